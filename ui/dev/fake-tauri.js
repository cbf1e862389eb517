// fake-tauri.js — a stand-in for `window.__TAURI__` so the dev preview runs
// in a plain browser: it keeps a sample DashboardView, applies commands to it
// the way the core would, and emits the new view on the 'dashboard' event.
// Query string: ?kiosk=1 (kitchen screen) ?role=kiosk (PIN pad) ?signedOut=1
// ?conn=reconnecting|offline ?empty=1 ?fail=pause_timer (that command rejects
// with a network error) ?lastError=1. Not loaded by the app.

import { sampleView } from './sample-view.js';

const q = new URLSearchParams(location.search);
const kiosk = q.get('kiosk') === '1';
let view = sampleView(Date.now(), {
  role: q.get('role') || (kiosk ? 'kiosk' : 'parent'),
  conn: q.get('conn') || 'live',
  empty: q.get('empty') === '1',
  lastError: q.get('lastError') === '1'
    ? { code: 'network', message: 'connection refused', action: 'refresh' } : null,
});
let session = {
  signedIn: q.get('signedOut') !== '1',
  serverUrl: 'http://192.168.1.20:8080',
  email: 'sam@parkers.example',
  mode: 'client',
  kiosk,
};
const listeners = [];
const fail = new Set((q.get('fail') || '').split(',').filter(Boolean));
let nextId = 100;

function emit() {
  view = { ...view, revision: view.revision + 1, connection: { ...view.connection, lastSyncedAt: Date.now() } };
  for (const cb of listeners) cb({ payload: structuredClone(view) });
}
const timer = (id) => view.timers.find((t) => t.id === id);
const member = (id) => view.members.find((m) => m.id === id);
const now = () => Date.now() + view.serverOffsetMs;

const handlers = {
  get_view: () => structuredClone(view),
  get_session: () => ({ ...session }),
  sign_in: ({ serverUrl, email }) => { session = { ...session, signedIn: true, serverUrl, email }; },
  host_household: ({ familyName, email }) => {
    session = { ...session, signedIn: true, serverUrl: 'http://127.0.0.1:8080', email, mode: 'host' };
    view = { ...view, family: { ...view.family, name: familyName } };
  },
  sign_out: () => { session = { ...session, signedIn: false }; },
  pair_kiosk: ({ serverUrl }) => { session = { ...session, signedIn: true, serverUrl, email: null, kiosk: true }; },
  create_kiosk_pairing: ({ name }) => ({ code: 'ABCDE-FGHJK', name, expiresAt: now() + 600_000, serverUrl: 'http://192.168.1.20:8080' }),
  heartbeat: () => {},
  refresh: () => {},
  pause_timer: ({ timerId }) => { const t = timer(timerId); t.remainingMs = Math.max(0, t.endsAt - now()); t.endsAt = null; t.state = 'paused'; },
  resume_timer: ({ timerId }) => { const t = timer(timerId); t.endsAt = now() + t.remainingMs; t.remainingMs = null; t.state = 'running'; },
  extend_timer: ({ timerId, seconds }) => {
    const t = timer(timerId);
    if (t.state === 'paused') t.remainingMs += seconds * 1000;
    else if (t.state === 'expired') { t.state = 'running'; t.endsAt = now() + seconds * 1000; t.durationMs = seconds * 1000; }
    else { t.endsAt += seconds * 1000; t.durationMs += seconds * 1000; }
  },
  cancel_timer: ({ timerId, pin }) => {
    if (view.role === 'kiosk' && pin !== '1234') throw { code: pin ? 'wrong_pin' : 'pin_required', message: 'the parent PIN' };
    view.timers = view.timers.filter((t) => t.id !== timerId);
  },
  confirm_timer: ({ timerId, pin }) => {
    if (view.role === 'kiosk' && pin !== '1234') throw { code: 'wrong_pin', message: 'wrong parent PIN' };
    const t = timer(timerId);
    const m = member(t.memberId);
    m.balance += t.stars; m.weeklyStars += t.stars;
    view.timers = view.timers.filter((x) => x.id !== timerId);
  },
  start_timer_from_template: ({ memberId, templateId }) => {
    const tp = view.templates.find((x) => x.id === templateId);
    view.timers.push({ id: `t_${nextId++}`, memberId, label: tp.label, state: 'running', endsAt: now() + tp.durationSeconds * 1000, remainingMs: null, durationMs: tp.durationSeconds * 1000, stars: tp.stars, templateId });
  },
  start_timer: ({ memberId, label, durationSeconds, stars }) => {
    view.timers.push({ id: `t_${nextId++}`, memberId, label, state: 'running', endsAt: now() + durationSeconds * 1000, remainingMs: null, durationMs: durationSeconds * 1000, stars, templateId: null });
  },
  complete_chore: ({ choreId, memberId }) => {
    const c = view.chores.find((x) => x.id === choreId);
    c.completedAt = now(); c.completedBy = memberId;
    const m = member(c.memberId); m.balance += c.stars; m.weeklyStars += c.stars;
  },
  add_stars: ({ memberId, amount, pin }) => {
    if (view.role === 'kiosk' && pin !== '1234') throw { code: 'wrong_pin', message: 'wrong parent PIN' };
    const m = member(memberId); m.balance += amount; m.weeklyStars += amount;
  },
  remove_stars: ({ memberId, amount, pin }) => {
    if (view.role === 'kiosk' && pin !== '1234') throw { code: 'wrong_pin', message: 'wrong parent PIN' };
    const m = member(memberId); m.balance = Math.max(0, m.balance - amount);
  },
};

window.__TAURI__ = {
  core: {
    invoke(cmd, args = {}) {
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          if (fail.has(cmd)) return reject({ code: 'network', message: 'connection refused' });
          const h = handlers[cmd];
          if (!h) return reject({ code: 'internal', message: `no command ${cmd}` });
          try {
            const out = h(args);
            if (!['get_view', 'get_session'].includes(cmd)) emit();
            resolve(out ?? null);
          } catch (e) { reject(e); }
        }, 120);
      });
    },
  },
  event: {
    listen(name, cb) {
      if (name === 'dashboard') listeners.push(cb);
      return Promise.resolve(() => { const i = listeners.indexOf(cb); if (i >= 0) listeners.splice(i, 1); });
    },
  },
};
