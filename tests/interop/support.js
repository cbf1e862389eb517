// What the interop tests share: a kinboard-relay process on a free port,
// pusher-js clients, the official server library, and waits with
// deadlines (no fixed sleeps).
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const PusherJs = require('pusher-js');
const Pusher = require('pusher');

const APP = { appId: '4242', key: 'interop-key', secret: 'interop-secret' };
const DEADLINE_MS = 10000;

function relayBinary() {
  const configured = process.env.KINBOARD_RELAY_BIN;
  if (configured) return path.resolve(__dirname, '../..', configured);
  return path.resolve(__dirname, '../../target/debug/kinboard-relay');
}

// Starts kinboard-relay on 127.0.0.1:0 and resolves once it printed the
// address it listens on.
function startRelay(extraArgs = []) {
  const child = spawn(relayBinary(), ['--bind', '127.0.0.1:0', '--shutdown-spread-ms', '100', ...extraArgs], {
    env: {
      ...process.env,
      PUSHER_APP_ID: APP.appId,
      PUSHER_KEY: APP.key,
      PUSHER_SECRET: APP.secret,
      RUST_LOG: process.env.RUST_LOG || 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kinboard-relay did not start')), DEADLINE_MS);
    let out = '';
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kinboard-relay exited with ${code}`)); });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          port: Number(m[1]),
          stop: () => new Promise((done) => {
            child.on('exit', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}

// The official server library, pointed at the relay.
function serverLib(port, overrides = {}) {
  return new Pusher({ ...APP, host: '127.0.0.1', port: String(port), useTLS: false, ...overrides });
}

// pusher-js (Node build) against the relay. `authorize` signs private and
// presence channels; the default uses the official library's
// authorizeChannel, as a backend's auth endpoint would.
function client(port, { user, authorize } = {}) {
  const server = serverLib(port);
  const customHandler = authorize || (({ socketId, channelName }, callback) => {
    const data = channelName.startsWith('presence-') ? user : undefined;
    callback(null, server.authorizeChannel(socketId, channelName, data));
  });
  return new PusherJs(APP.key, {
    cluster: 'kinboard-local',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: { customHandler },
  });
}

// Resolves with the first emission for which `test` holds, or rejects at
// the deadline.
function waitFor(bindable, event, test = () => true, what = event) {
  return new Promise((resolve, reject) => {
    const handler = (data) => {
      if (!test(data)) return;
      clearTimeout(timer);
      bindable.unbind(event, handler);
      resolve(data);
    };
    const timer = setTimeout(() => {
      bindable.unbind(event, handler);
      reject(new Error(`timed out waiting for ${what}`));
    }, DEADLINE_MS);
    bindable.bind(event, handler);
  });
}

async function connected(pusher) {
  if (pusher.connection.state === 'connected') return pusher;
  await waitFor(pusher.connection, 'state_change', (s) => s.current === 'connected', 'connected');
  return pusher;
}

// Subscribes and waits for pusher:subscription_succeeded; resolves with
// the channel and what the event carried (presence: the members).
async function subscribed(pusher, name) {
  const channel = pusher.subscribe(name);
  const data = await waitFor(channel, 'pusher:subscription_succeeded', () => true, `${name} subscribed`);
  return { channel, data };
}

// Collects every event a channel emits, for assertions about order and
// absence.
function record(channel) {
  const seen = [];
  channel.bind_global((event, data) => {
    if (!event.startsWith('pusher')) seen.push({ event, data });
  });
  return seen;
}

// Waits until `seen` holds an event named `event`.
async function until(seen, event) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!seen.some((e) => e.event === event)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${event}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

module.exports = { APP, startRelay, serverLib, client, waitFor, connected, subscribed, record, until };
