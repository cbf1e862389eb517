// bridge.test.js — the generated commands reach the shell by name with
// their arguments by name, events arrive with their payloads, and every
// rejection comes back as {code, message}; against a fake
// `window.__TAURI__`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBridge } from '../../ui/js/bridge.js';
import { COMMANDS, EVENTS } from '../../ui/js/commands.js';

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

// JSON drops what is undefined, as Tauri's IPC does.
const sent = (calls) => calls.map(([cmd, args]) => [cmd, JSON.parse(JSON.stringify(args))]);

test('each command is sent by its name with camelCase arguments', async () => {
  const { win, calls } = fakeWindow();
  const b = createBridge(win);
  await b.startTimerFromTemplate('m_1', 'tp_1');
  await b.startTimer('m_1', 'Homework', 900, 2);
  await b.pauseTimer('t_1');
  await b.resumeTimer('t_1');
  await b.extendTimer('t_1', 300);
  await b.cancelTimer('t_1');
  await b.cancelTimer('t_1', '1234');
  await b.confirmTimer('t_1');
  await b.confirmTimer('t_1', '1234');
  await b.completeChore('c_1', 'm_1');
  await b.undoCompletion('cmp_1');
  await b.addStars('m_1', 2, 'Kindness');
  await b.removeStars('m_1', 1, 'Rude', '9999');
  await b.signIn('http://h', 'e', 'p');
  await b.hostHousehold('F', 'Europe/Madrid', 'N', 'e', 'p');
  await b.signOut();
  await b.refresh();
  await b.heartbeat('dashboard');
  await b.createKioskPairing('Kitchen');
  await b.pairKiosk('http://h', 'ABCDE-FGHJK');
  await b.getView();
  await b.getSession();
  await b.findHouseholds();
  await b.checkServer('http://h');
  await b.hostDefaults();
  await b.joinHousehold('http://h', 'ABCD-EFGH', 'Ben', 'b', 'p');
  await b.joinHousehold(undefined, 'ABCD-EFGH', undefined, 'b', 'p');
  await b.switchFamily('f_2');
  await b.updateFamily('Riveras', undefined);
  await b.setPin('2468', '1357');
  await b.setPin('2468', undefined, 'secret');
  await b.addChild('Zoe', '#9b5de5');
  await b.updateChild('m_1', 'Zoë', '#17bebb');
  await b.removeChild('m_1');
  await b.addChore('Dishes', 1, null);
  await b.updateChore('c_1', 'Dishes', 2, 'm_2', [1, 3, 5]);
  await b.removeChore('c_1');
  await b.addTemplate('Reading', 900, 2);
  await b.updateTemplate('tp_1', 'Reading', 1200, 3);
  await b.removeTemplate('tp_1');
  await b.createInvite();
  await b.revokeInvite('i_1');
  await b.removeParent('u_2');
  await b.listKiosks();
  await b.revokeKiosk('k_1');
  await b.approveCompletion('cmp_2');
  await b.rejectCompletion('cmp_3');
  await b.redeemReward('r_1', 'm_1', '1234');
  await b.undoStarEntry('e_1');
  await b.addReward('Ice cream', 5, 2);
  await b.updateReward('r_1', 'Big ice cream', 8, null);
  await b.removeReward('r_1');
  await b.memberHistory('m_1');
  await b.exportLedger('m_1');
  await b.updateFamily(undefined, undefined, 'parent');
  await b.approveRedemption('x_1');
  await b.rejectRedemption('x_2');
  await b.listSessions();
  await b.endSession('abcd000011112222');
  await b.changePassword('old one', 'new one!');
  await b.diagnostics();
  await b.soundSettings();
  await b.setSound(40, true);
  await b.kioskNight(true);
  await b.setNight({ from: '21:00', to: '07:00' });
  await b.setNight(null);
  await b.quit();
  assert.deepEqual(sent(calls), [
    ['start_timer_from_template', { memberId: 'm_1', templateId: 'tp_1' }],
    ['start_timer', { memberId: 'm_1', label: 'Homework', durationSeconds: 900, stars: 2 }],
    ['pause_timer', { timerId: 't_1' }],
    ['resume_timer', { timerId: 't_1' }],
    ['extend_timer', { timerId: 't_1', seconds: 300 }],
    ['cancel_timer', { timerId: 't_1' }],
    ['cancel_timer', { timerId: 't_1', pin: '1234' }],
    ['confirm_timer', { timerId: 't_1' }],
    ['confirm_timer', { timerId: 't_1', pin: '1234' }],
    ['complete_chore', { choreId: 'c_1', memberId: 'm_1' }],
    ['undo_completion', { completionId: 'cmp_1' }],
    ['add_stars', { memberId: 'm_1', amount: 2, reason: 'Kindness' }],
    ['remove_stars', { memberId: 'm_1', amount: 1, reason: 'Rude', pin: '9999' }],
    ['sign_in', { serverUrl: 'http://h', email: 'e', password: 'p' }],
    ['host_household', { familyName: 'F', timeZone: 'Europe/Madrid', name: 'N', email: 'e', password: 'p' }],
    ['sign_out', {}],
    ['refresh', {}],
    ['heartbeat', { screen: 'dashboard' }],
    ['create_kiosk_pairing', { name: 'Kitchen' }],
    ['pair_kiosk', { serverUrl: 'http://h', code: 'ABCDE-FGHJK' }],
    ['get_view', {}],
    ['get_session', {}],
    ['find_households', {}],
    ['check_server', { serverUrl: 'http://h' }],
    ['host_defaults', {}],
    ['join_household', { serverUrl: 'http://h', code: 'ABCD-EFGH', name: 'Ben', email: 'b', password: 'p' }],
    ['join_household', { code: 'ABCD-EFGH', email: 'b', password: 'p' }],
    ['switch_family', { familyId: 'f_2' }],
    ['update_family', { name: 'Riveras' }],
    ['set_pin', { pin: '2468', currentPin: '1357' }],
    ['set_pin', { pin: '2468', password: 'secret' }],
    ['add_child', { name: 'Zoe', color: '#9b5de5' }],
    ['update_child', { memberId: 'm_1', name: 'Zoë', color: '#17bebb' }],
    ['remove_child', { memberId: 'm_1' }],
    // `null` is "any child": it travels as such.
    ['add_chore', { title: 'Dishes', stars: 1, memberId: null }],
    ['update_chore', { choreId: 'c_1', title: 'Dishes', stars: 2, memberId: 'm_2', days: [1, 3, 5] }],
    ['remove_chore', { choreId: 'c_1' }],
    ['add_template', { label: 'Reading', durationSeconds: 900, stars: 2 }],
    ['update_template', { templateId: 'tp_1', label: 'Reading', durationSeconds: 1200, stars: 3 }],
    ['remove_template', { templateId: 'tp_1' }],
    ['create_invite', {}],
    ['revoke_invite', { inviteId: 'i_1' }],
    ['remove_parent', { userId: 'u_2' }],
    ['list_kiosks', {}],
    ['revoke_kiosk', { kioskId: 'k_1' }],
    ['approve_completion', { completionId: 'cmp_2' }],
    ['reject_completion', { completionId: 'cmp_3' }],
    ['redeem_reward', { rewardId: 'r_1', memberId: 'm_1', pin: '1234' }],
    ['undo_star_entry', { entryId: 'e_1' }],
    ['add_reward', { title: 'Ice cream', cost: 5, weeklyLimit: 2 }],
    // `null` is "no limit": it travels as such.
    ['update_reward', { rewardId: 'r_1', title: 'Big ice cream', cost: 8, weeklyLimit: null }],
    ['remove_reward', { rewardId: 'r_1' }],
    ['member_history', { memberId: 'm_1' }],
    ['export_ledger', { memberId: 'm_1' }],
    ['update_family', { choreApproval: 'parent' }],
    ['approve_redemption', { redemptionId: 'x_1' }],
    ['reject_redemption', { redemptionId: 'x_2' }],
    ['list_sessions', {}],
    ['end_session', { sessionId: 'abcd000011112222' }],
    ['change_password', { currentPassword: 'old one', newPassword: 'new one!' }],
    ['diagnostics', {}],
    ['sound_settings', {}],
    ['set_sound', { volume: 40, muted: true }],
    ['kiosk_night', { asleep: true }],
    ['set_night', { night: { from: '21:00', to: '07:00' } }],
    // `null` is "never": it travels as such.
    ['set_night', { night: null }],
    ['quit', {}],
  ]);
  // Every command the core defines is reachable, and nothing else is sent.
  assert.deepEqual([...new Set(calls.map((c) => c[0]))].sort(), Object.keys(COMMANDS).sort());
});

test('views arrive through the dashboard event payload', async () => {
  const { win, listeners } = fakeWindow();
  const seen = [];
  const unlisten = await createBridge(win).onView((v) => seen.push(v));
  listeners[EVENTS.dashboard]({ payload: { revision: 7 } });
  assert.deepEqual(seen, [{ revision: 7 }]);
  unlisten();
  assert.equal(listeners[EVENTS.dashboard], undefined);
});

test('rejections come back as {code, message}, codes untouched', async () => {
  const win = { __TAURI__: { core: { invoke: () => Promise.reject('Command pause_timer not allowed by ACL') } } };
  await assert.rejects(createBridge(win).pauseTimer('t'), { code: 'internal', message: 'Command pause_timer not allowed by ACL' });
  const win2 = { __TAURI__: { core: { invoke: () => Promise.reject({ code: 'wrong_pin', message: 'wrong parent PIN' }) } } };
  await assert.rejects(createBridge(win2).confirmTimer('t', '0000'), { code: 'wrong_pin', message: 'wrong parent PIN' });
});

test('without the shell every call fails with a clear code instead of throwing', async () => {
  const b = createBridge({});
  assert.equal(b.available, false);
  await assert.rejects(b.getView(), { code: 'internal' });
  const unlisten = await b.onView(() => {});
  assert.equal(typeof unlisten, 'function');
});

test('desktop status and notification failures arrive as their own events', async () => {
  const { win, listeners } = fakeWindow();
  const b = createBridge(win);
  const got = [];
  await b.onDesktop((d) => got.push(['desktop', d]));
  await b.onActionError((e) => got.push(['error', e]));
  listeners[EVENTS.desktop]({ payload: { notifications: { state: 'available' } } });
  listeners[EVENTS.actionError]({ payload: { code: 'network', message: 'down', command: 'extend_timer' } });
  assert.deepEqual(got, [
    ['desktop', { notifications: { state: 'available' } }],
    ['error', { code: 'network', message: 'down', command: 'extend_timer' }],
  ]);
});
