// pusher-js 8 and the official `pusher` server library against a
// kinboard-relay process: everything a real deployment relies on.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startRelay, serverLib, client, waitFor, connected, subscribed, record, until,
} = require('../support');

let relay;
let server;
const clients = [];

function newClient(options) {
  const pusher = client(relay.port, options);
  clients.push(pusher);
  return connected(pusher);
}

before(async () => {
  relay = await startRelay();
  server = serverLib(relay.port);
});

after(async () => {
  for (const c of clients) c.disconnect();
  await relay.stop();
});

test('pusher-js connects and gets a socket id', async () => {
  const pusher = await newClient();
  assert.match(pusher.connection.socket_id, /^\d+\.\d+$/);
});

test('a public channel receives events triggered by the official library', async () => {
  const pusher = await newClient();
  const { channel } = await subscribed(pusher, 'interop-public');
  const got = waitFor(channel, 'greeting');
  const res = await server.trigger('interop-public', 'greeting', { hello: 'world' });
  assert.equal(res.status, 200);
  assert.deepEqual(await got, { hello: 'world' });
});

test('a private channel authorised with authorizeChannel receives events', async () => {
  const pusher = await newClient();
  const { channel } = await subscribed(pusher, 'private-family-7');
  const got = waitFor(channel, 'timer:started');
  await server.trigger('private-family-7', 'timer:started', { revision: 3 });
  assert.deepEqual(await got, { revision: 3 });
});

test('triggerBatch delivers every event', async () => {
  const pusher = await newClient();
  const { channel: a } = await subscribed(pusher, 'batch-a');
  const { channel: b } = await subscribed(pusher, 'private-batch-b');
  const gotA = waitFor(a, 'first');
  const gotB = waitFor(b, 'second');
  const res = await server.triggerBatch([
    { channel: 'batch-a', name: 'first', data: { n: 1 } },
    { channel: 'private-batch-b', name: 'second', data: { n: 2 } },
  ]);
  assert.equal(res.status, 200);
  assert.deepEqual(await gotA, { n: 1 });
  assert.deepEqual(await gotB, { n: 2 });
});

test('socket_id excludes the originating socket', async () => {
  const origin = await newClient();
  const other = await newClient();
  const { channel: originChannel } = await subscribed(origin, 'private-exclusion');
  const { channel: otherChannel } = await subscribed(other, 'private-exclusion');
  const originSeen = record(originChannel);
  const otherSeen = record(otherChannel);
  await server.trigger('private-exclusion', 'mine', {}, { socket_id: origin.connection.socket_id });
  await server.trigger('private-exclusion', 'everyone', {});
  await until(otherSeen, 'everyone');
  await until(originSeen, 'everyone');
  // Events reach a socket in order: had `mine` reached the origin, it
  // would be there before `everyone`.
  assert.deepEqual(otherSeen.map((e) => e.event), ['mine', 'everyone']);
  assert.deepEqual(originSeen.map((e) => e.event), ['everyone']);
});

test('presence: members, and member_added/removed once per user', async () => {
  const bob = await newClient({ user: { user_id: 'bob', user_info: { name: 'Bob' } } });
  const { channel: bobChannel, data: members } = await subscribed(bob, 'presence-kitchen');
  assert.equal(members.count, 1);
  assert.equal(members.me.id, 'bob');

  const added = [];
  const removed = [];
  bobChannel.bind('pusher:member_added', (m) => added.push(m));
  bobChannel.bind('pusher:member_removed', (m) => removed.push(m));

  const ada1 = await newClient({ user: { user_id: 'ada', user_info: { name: 'Ada' } } });
  const { data: adaMembers } = await subscribed(ada1, 'presence-kitchen');
  assert.equal(adaMembers.count, 2);
  assert.deepEqual(adaMembers.get('bob').info, { name: 'Bob' });
  const ada2 = await newClient({ user: { user_id: 'ada', user_info: { name: 'Ada' } } });
  await subscribed(ada2, 'presence-kitchen');

  // A server event after both joins: once it is here, any member_added
  // sent before it is too.
  const marker = waitFor(bobChannel, 'marker');
  await server.trigger('presence-kitchen', 'marker', {});
  await marker;
  assert.deepEqual(added.map((m) => [m.id, m.info]), [['ada', { name: 'Ada' }]]);
  assert.equal(bobChannel.members.count, 2);

  const res = await server.get({ path: '/channels/presence-kitchen/users' });
  assert.equal(res.status, 200);
  const users = (await res.json()).users.map((u) => u.id).sort();
  assert.deepEqual(users, ['ada', 'bob']);

  // One of Ada's sockets leaves: nothing. The last one: member_removed.
  ada1.unsubscribe('presence-kitchen');
  const marker2 = waitFor(bobChannel, 'marker2');
  await server.trigger('presence-kitchen', 'marker2', {});
  await marker2;
  assert.equal(removed.length, 0);
  const gone = waitFor(bobChannel, 'pusher:member_removed');
  ada2.disconnect();
  assert.equal((await gone).id, 'ada');
  assert.equal(bobChannel.members.count, 1);
});

test('client events reach peers and are not echoed', async () => {
  const a = await newClient({ user: { user_id: 'a' } });
  const b = await newClient({ user: { user_id: 'b' } });
  const { channel: chA } = await subscribed(a, 'presence-chat');
  const { channel: chB } = await subscribed(b, 'presence-chat');
  const seenA = record(chA);
  const got = new Promise((resolve) => chB.bind('client-typing', (data, meta) => resolve({ data, meta })));
  assert.equal(chA.trigger('client-typing', { typing: true }), true);
  const { data, meta } = await got;
  assert.deepEqual(data, { typing: true });
  assert.equal(meta.user_id, 'a');
  await server.trigger('presence-chat', 'after', {});
  await until(seenA, 'after');
  assert.deepEqual(seenA.map((e) => e.event), ['after']);
});

test('channel queries answer what pusher-http-node expects', async () => {
  const a = await newClient({ user: { user_id: 'q1' } });
  const b = await newClient({ user: { user_id: 'q2' } });
  await subscribed(a, 'query-news');
  await subscribed(b, 'query-news');
  await subscribed(a, 'presence-query');
  await subscribed(b, 'presence-query');

  let res = await server.get({ path: '/channels' });
  assert.equal(res.status, 200);
  const all = await res.json();
  assert.deepEqual(all.channels['query-news'], {});
  assert.ok('presence-query' in all.channels);

  res = await server.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } });
  assert.equal(res.status, 200);
  const presence = await res.json();
  assert.deepEqual(presence.channels['presence-query'], { user_count: 2 });
  assert.ok(Object.keys(presence.channels).every((n) => n.startsWith('presence-')));

  res = await server.get({ path: '/channels/query-news', params: { info: 'subscription_count' } });
  assert.deepEqual(await res.json(), { occupied: true, subscription_count: 2 });

  res = await server.get({ path: '/channels/presence-query', params: { info: 'user_count,subscription_count' } });
  assert.deepEqual(await res.json(), { occupied: true, user_count: 2, subscription_count: 2 });

  res = await server.get({ path: '/channels/nobody-here' });
  assert.deepEqual(await res.json(), { occupied: false });

  res = await server.get({ path: '/channels/presence-query/users' });
  assert.deepEqual((await res.json()).users.map((u) => u.id).sort(), ['q1', 'q2']);
});

test('a wrong secret gets 401', async () => {
  const wrong = serverLib(relay.port, { secret: 'not-the-secret' });
  await assert.rejects(wrong.trigger('x', 'y', {}), (err) => {
    assert.equal(err.status, 401);
    assert.match(err.body, /Invalid signature/);
    return true;
  });
  await assert.rejects(wrong.get({ path: '/channels' }), (err) => err.status === 401);
});

test('an oversized event gets 413', async () => {
  await assert.rejects(server.trigger('big', 'e', 'x'.repeat(11 * 1024)), (err) => {
    assert.equal(err.status, 413);
    return true;
  });
});

test('a bad subscription signature is refused and the socket lives on', async () => {
  const forger = client(relay.port, {
    authorize: (_params, callback) => callback(null, { auth: 'interop-key:0000' }),
  });
  clients.push(forger);
  await connected(forger);
  const errors = [];
  forger.connection.bind('error', (e) => errors.push(e));
  const channel = forger.subscribe('private-vault');
  const refused = await waitFor(channel, 'pusher:subscription_error');
  assert.equal(refused.status, 401);
  assert.match(refused.error, /Invalid signature/);
  assert.equal(channel.subscribed, false);
  assert.ok(errors.some((e) => e.data && e.data.code === null && /Invalid signature/.test(e.data.message)));

  // Same socket, still connected, and a public channel works.
  assert.equal(forger.connection.state, 'connected');
  const { channel: open } = await subscribed(forger, 'after-refusal');
  const got = waitFor(open, 'still-here');
  await server.trigger('after-refusal', 'still-here', {});
  await got;
  assert.equal(forger.connection.state, 'connected');
});
