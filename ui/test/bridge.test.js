// bridge.test.js — command names, argument shapes and error normalisation
// against a fake `window.__TAURI__`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, VIEW_EVENT, createBridge } from '../js/bridge.js';

function fakeWindow(reply = () => null) {
  const calls = [];
  const listeners = {};
  const win = {
    __TAURI__: {
      core: { invoke: (cmd, args) => { calls.push([cmd, args]); return Promise.resolve(reply(cmd, args)); } },
      event: { listen: (name, cb) => { listeners[name] = cb; return Promise.resolve(() => delete listeners[name]); } },
    },
  };
  return { win, calls, listeners };
}

test('each action sends its command with camelCase arguments', async () => {
  const { win, calls } = fakeWindow();
  const b = createBridge(win);
  await b.startTimerFromTemplate('m_1', 'tp_1');
  await b.startTimer({ memberId: 'm_1', label: 'Homework', durationSeconds: 900, stars: 2 });
  await b.pauseTimer('t_1');
  await b.resumeTimer('t_1');
  await b.extendTimer('t_1');
  await b.cancelTimer('t_1');
  await b.confirmTimer('t_1');
  await b.confirmTimer('t_1', '1234');
  await b.completeChore('c_1', 'm_1');
  await b.addStars({ memberId: 'm_1', amount: 2, reason: 'Kindness' });
  await b.removeStars({ memberId: 'm_1', amount: 1, reason: 'Rude', pin: '9999' });
  await b.signIn({ serverUrl: 'http://h', email: 'e', password: 'p' });
  await b.hostHousehold({ familyName: 'F', name: 'N', email: 'e', password: 'p' });
  await b.signOut();
  await b.refresh();
  await b.heartbeat('dashboard');
  await b.createKioskPairing('Kitchen');
  await b.pairKiosk({ serverUrl: 'http://h', code: 'ABCDE-FGHJK' });
  await b.getView();
  await b.getSession();
  assert.deepEqual(calls, [
    ['start_timer_from_template', { memberId: 'm_1', templateId: 'tp_1' }],
    ['start_timer', { memberId: 'm_1', label: 'Homework', durationSeconds: 900, stars: 2 }],
    ['pause_timer', { timerId: 't_1' }],
    ['resume_timer', { timerId: 't_1' }],
    ['extend_timer', { timerId: 't_1', seconds: 300 }],
    ['cancel_timer', { timerId: 't_1' }],
    ['confirm_timer', { timerId: 't_1' }],
    ['confirm_timer', { timerId: 't_1', pin: '1234' }],
    ['complete_chore', { choreId: 'c_1', memberId: 'm_1' }],
    ['add_stars', { memberId: 'm_1', amount: 2, reason: 'Kindness' }],
    ['remove_stars', { memberId: 'm_1', amount: 1, reason: 'Rude', pin: '9999' }],
    ['sign_in', { serverUrl: 'http://h', email: 'e', password: 'p' }],
    ['host_household', { familyName: 'F', name: 'N', email: 'e', password: 'p' }],
    ['sign_out', {}],
    ['refresh', {}],
    ['heartbeat', { screen: 'dashboard' }],
    ['create_kiosk_pairing', { name: 'Kitchen' }],
    ['pair_kiosk', { serverUrl: 'http://h', code: 'ABCDE-FGHJK' }],
    ['get_view', {}],
    ['get_session', {}],
  ]);
  assert.deepEqual([...new Set(calls.map((c) => c[0]))].sort(), [...COMMANDS].sort());
});

test('views arrive through the dashboard event payload', async () => {
  const { win, listeners } = fakeWindow();
  const seen = [];
  const unlisten = await createBridge(win).onView((v) => seen.push(v));
  assert.equal(VIEW_EVENT, 'dashboard');
  listeners.dashboard({ payload: { revision: 7 } });
  assert.deepEqual(seen, [{ revision: 7 }]);
  unlisten();
  assert.equal(listeners.dashboard, undefined);
});

test('rejections come back as {code, message}', async () => {
  const win = { __TAURI__: { core: { invoke: () => Promise.reject('server said no') } } };
  await assert.rejects(createBridge(win).pauseTimer('t'), { code: 'unknown', message: 'server said no' });
  const win2 = { __TAURI__: { core: { invoke: () => Promise.reject({ code: 'Network', message: 'refused' }) } } };
  await assert.rejects(createBridge(win2).refresh(), { code: 'network', message: 'refused' });
});

test('without the shell every call fails with a clear code instead of throwing', async () => {
  const b = createBridge({});
  assert.equal(b.available, false);
  await assert.rejects(b.getView(), { code: 'no_shell' });
  const unlisten = await b.onView(() => {});
  assert.equal(typeof unlisten, 'function');
});

test('desktop status and notification failures arrive as their own events', async () => {
  const { win, listeners } = fakeWindow();
  const b = createBridge(win);
  const got = [];
  await b.onDesktop((d) => got.push(['desktop', d]));
  await b.onActionError((e) => got.push(['error', e]));
  listeners.desktop({ payload: { notifications: { state: 'available' } } });
  listeners['action-error']({ payload: { code: 'network', message: 'down', command: 'extend_timer' } });
  assert.deepEqual(got, [
    ['desktop', { notifications: { state: 'available' } }],
    ['error', { code: 'network', message: 'down', command: 'extend_timer' }],
  ]);
});
