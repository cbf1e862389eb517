// app.test.js — the page's controller (ui/js/app.js) on a real DOM: it
// boots from the session and the view, turns clicks and forms into
// commands with the right arguments, asks a kitchen screen for the parent
// PIN before confirming or cancelling, keeps the native dialog in step
// (Escape, the backdrop), and shows failures as sentences where they
// happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byTestId, isVisible, mount } from './page.js';
import { startApp } from '../../ui/js/app.js';

const NOW = Date.now();
const MIN = 60_000;

function view(over = {}) {
  return {
    revision: 3,
    role: 'parent',
    family: { id: 'f_1', name: 'The Parkers', timeZone: 'UTC' },
    members: [{ id: 'm_1', name: 'Ada', color: '#e4572e', balance: 4, weeklyStars: 2 }],
    timers: [
      { id: 't_run', memberId: 'm_1', label: 'Homework', state: 'running', endsAt: NOW + 10 * MIN, remainingMs: null, durationMs: 25 * MIN, stars: 2, templateId: null },
      { id: 't_exp', memberId: 'm_1', label: 'Piano', state: 'expired', endsAt: NOW - MIN, remainingMs: null, durationMs: 15 * MIN, stars: 3, templateId: null },
    ],
    templates: [{ id: 'tp_1', label: 'Reading', durationSeconds: 1200, stars: 1 }],
    chores: [{ id: 'c_1', memberId: 'm_1', label: 'Feed the cat', stars: 1, done: [] }],
    connection: { state: 'live', lastSyncedAt: NOW },
    serverOffsetMs: 0,
    lastError: null,
    ...over,
  };
}

/** A bridge that records every command and answers as told. */
const households = [
  { name: 'Kinboard on kitchen-pc', serverUrl: 'http://10.0.0.5:8080', household: 'The Parkers', problem: null },
  { name: 'Printer', serverUrl: 'http://10.0.0.9:80', household: null, problem: { code: 'not_kinboard', message: 'not a Kinboard household server' } },
];

function fakeBridge({ session, view: initial, fail = {} }) {
  const calls = [];
  const handlers = {};
  const answer = (name, args, value) => {
    calls.push([name, ...args]);
    const failure = typeof fail[name] === 'function' ? fail[name](...args) : fail[name];
    return failure ? Promise.reject(failure) : Promise.resolve(value);
  };
  const command = (name, value) => (...args) => answer(name, args, typeof value === 'function' ? value() : value);
  const bridge = {
    available: true,
    calls,
    emitView: (v) => handlers.view(v),
    session,
    getSession: command('getSession', () => bridge.session),
    getView: command('getView', () => initial),
    onView: (cb) => { handlers.view = cb; return Promise.resolve(() => {}); },
    onSession: (cb) => { handlers.session = cb; return Promise.resolve(() => {}); },
    emitSession: (s) => { bridge.session = s; handlers.session(s); },
    onDesktop: () => Promise.resolve(() => {}),
    onActionError: () => Promise.resolve(() => {}),
    onQuitRequested: (cb) => { handlers.quit = cb; return Promise.resolve(() => {}); },
    emitQuitRequested: (request) => handlers.quit(request),
    heartbeat: () => Promise.resolve(),
  };
  for (const name of ['signIn', 'signOut', 'hostHousehold', 'pairKiosk', 'startTimerFromTemplate', 'startTimer', 'pauseTimer',
    'resumeTimer', 'extendTimer', 'cancelTimer', 'confirmTimer', 'completeChore', 'addStars', 'removeStars', 'refresh',
    'joinHousehold', 'switchFamily', 'updateFamily', 'setPin', 'updateChild', 'removeChild', 'updateChore', 'removeChore',
    'updateTemplate', 'removeTemplate', 'revokeInvite', 'removeParent', 'revokeKiosk', 'approveCompletion',
    'rejectCompletion', 'undoStarEntry', 'undoCompletion', 'addReward', 'updateReward', 'removeReward',
    'approveRedemption', 'rejectRedemption', 'kioskNight', 'setNight', 'quit']) {
    bridge[name] = command(name, undefined);
  }
  bridge.findHouseholds = command('findHouseholds', () => households);
  bridge.soundSettings = command('soundSettings', () => ({ volume: 80, muted: false }));
  bridge.setSound = (volume, muted) => answer('setSound', [volume, muted], { volume, muted });
  bridge.redeemReward = command('redeemReward', 'e_new');
  bridge.exportLedger = command('exportLedger', '/home/ana/Downloads/stars-Ada-2026-12-04.csv');
  bridge.memberHistory = command('memberHistory', () => ({
    memberId: 'm_1', balance: 4, weekly: 3, weekStart: NOW - 2 * 24 * 60 * MIN,
    entries: [
      { id: 'e_2', memberId: 'm_1', amount: -5, reason: 'reward: Ice cream', kind: 'reward', by: 'Kitchen', undoneAt: null, createdAt: NOW - MIN },
      { id: 'e_1', memberId: 'm_1', amount: 3, reason: 'chore: Feed the cat', kind: 'chore', by: 'Ana', undoneAt: null, createdAt: NOW - 60 * MIN },
    ],
    perWeek: Array.from({ length: 12 }, (_, i) => ({ weekStart: NOW - (11 - i) * 7 * 24 * 60 * MIN, stars: i === 11 ? 3 : i })),
  }));
  bridge.checkServer = command('checkServer', () => ({ product: 'kinboard', version: '0.1.0', api: 1, household: 'The Parkers' }));
  bridge.hostDefaults = command('hostDefaults', () => ({
    timeZone: 'Europe/Madrid', timeZones: ['Europe/Madrid', 'UTC'],
    starters: { chores: [{ title: 'Make the bed', stars: 1 }, { title: 'Feed the pet', stars: 1 }], templates: [{ label: 'Reading', durationSeconds: 1200, stars: 2 }] },
  }));
  bridge.addChild = command('addChild', 'm_new');
  bridge.addChore = command('addChore', 'c_new');
  bridge.addTemplate = command('addTemplate', 'tp_new');
  bridge.createInvite = command('createInvite', () => ({ code: 'ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345', expiresAt: NOW + 48 * 60 * MIN, serverUrl: 'http://10.0.0.5:8080' }));
  bridge.listKiosks = command('listKiosks', () => [{ id: 'k_1', name: 'Kitchen', pairedAt: NOW - 60 * MIN, lastSeenAt: NOW - MIN }]);
  bridge.listSessions = command('listSessions', () => [
    { id: 'aaaa000011112222', signedInAt: NOW - 5 * MIN, expiresAt: NOW + 30 * 24 * 60 * MIN, current: true },
    { id: 'bbbb000011112222', signedInAt: NOW - 3 * 24 * 60 * MIN, expiresAt: NOW + 27 * 24 * 60 * MIN, current: false },
  ]);
  bridge.endSession = command('endSession', undefined);
  bridge.changePassword = command('changePassword', 1);
  bridge.diagnostics = command('diagnostics', '{"kinboard": "0.1.0"}');
  bridge.createKioskPairing = command('createKioskPairing', () => ({
    code: 'ABCDE-FGHJK', name: 'Kitchen', expiresAt: NOW + 10 * MIN, serverUrl: 'http://192.168.1.20:8080',
  }));
  return bridge;
}

const signedIn = { signedIn: true, serverUrl: 'http://h', email: 'a@b', mode: 'client', kiosk: false, desktop: null };

/** Lets every pending promise and zero-delay timer run. */
async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

async function boot(options) {
  const { window, doc, root } = mount();
  const bridge = fakeBridge(options);
  const app = startApp({ win: window, doc, root, bridge });
  await settle();
  const find = (id, extra = '') => root.querySelector(`[data-testid="${id}"]${extra}`);
  const click = async (el) => {
    assert.ok(el, 'the element is there');
    el.click();
    await settle();
  };
  return { window, doc, root, bridge, app, find, click, done: () => app.stop() };
}

const commands = (bridge) => bridge.calls.filter(([name]) => !['getSession', 'getView', 'soundSettings', 'kioskNight'].includes(name));

test('it boots from the session and the view, then follows view events', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  assert.ok(isVisible(page.find('dashboard')));
  assert.equal(page.find('family-name').textContent, 'The Parkers');
  assert.equal(byTestId(page.root, 'timer-card').length, 2);
  page.bridge.emitView(view({ revision: 4, timers: [] }));
  page.app.paint();
  assert.equal(byTestId(page.root, 'timer-card').length, 0);
  assert.ok(isVisible(page.find('timers-empty')));
  // An older view from a late get_view never replaces a newer event.
  assert.equal(page.app.state.view.revision, 4);
});

test('card buttons send their commands with the timer’s id', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('timer-pause', '[data-timer-id="t_run"]'));
  await page.click(page.find('timer-extend', '[data-timer-id="t_run"]'));
  await page.click(page.find('timer-confirm', '[data-timer-id="t_exp"]'));
  await page.click(page.find('template-start'));
  await page.click(page.find('chore-done'));
  assert.deepEqual(commands(page.bridge), [
    ['pauseTimer', 't_run'],
    ['extendTimer', 't_run', 300],
    ['confirmTimer', 't_exp'],
    ['startTimerFromTemplate', 'm_1', 'tp_1'],
    ['completeChore', 'c_1', 'm_1'],
  ]);
});

test('a parent cancels after a second tap, without a PIN', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('timer-cancel', '[data-timer-id="t_run"]'));
  assert.ok(isVisible(page.find('timer-cancel-confirm', '[data-timer-id="t_run"]')));
  assert.deepEqual(commands(page.bridge), [], 'nothing sent on the first tap');
  await page.click(page.find('timer-cancel-confirm', '[data-timer-id="t_run"]'));
  assert.deepEqual(commands(page.bridge), [['cancelTimer', 't_run']]);
});

async function typePin(page, digits) {
  for (const d of digits) await page.click(page.find('pin-digit', `[data-digit="${d}"]`));
}

test('a kitchen screen cancels a timer only with the parent PIN', async (t) => {
  const kiosk = { ...signedIn, kiosk: true, email: null };
  const page = await boot({
    session: kiosk,
    view: view({ role: 'kiosk' }),
    fail: { cancelTimer: (_, pin) => (pin === '2468' ? null : { code: 'wrong_pin', message: 'wrong parent PIN' }) },
  });
  t.after(page.done);
  await page.click(page.find('timer-cancel', '[data-timer-id="t_run"]'));
  await page.click(page.find('timer-cancel-confirm', '[data-timer-id="t_run"]'));
  const dialog = page.find('pin-dialog');
  assert.ok(dialog.open, 'the PIN dialog is open (showModal)');
  assert.match(dialog.textContent, /Cancel Ada’s Homework/);
  assert.deepEqual(commands(page.bridge), [], 'nothing is sent before the PIN');
  assert.ok(page.find('pin-submit').hasAttribute('disabled'), 'too short to send');
  await typePin(page, '1111');
  await page.click(page.find('pin-submit'));
  assert.deepEqual(commands(page.bridge), [['cancelTimer', 't_run', '1111']]);
  assert.match(page.find('error-banner', '[data-scope="dialog"]').textContent, /PIN is not right/);
  assert.equal(page.find('pin-display').textContent, '○○○○', 'typed again from scratch');
  await typePin(page, '2468');
  await page.click(page.find('pin-submit'));
  assert.deepEqual(commands(page.bridge).at(-1), ['cancelTimer', 't_run', '2468']);
  assert.equal(page.app.state.ui.dialog, null, 'closed once it worked');
  assert.ok(!dialog.open);
});

test('a kitchen screen confirms with the PIN; Escape and the backdrop close the dialog', async (t) => {
  const page = await boot({ session: { ...signedIn, kiosk: true }, view: view({ role: 'kiosk' }) });
  t.after(page.done);
  await page.click(page.find('timer-confirm', '[data-timer-id="t_exp"]'));
  let dialog = page.find('pin-dialog');
  assert.ok(dialog.open);
  // Escape: the browser fires `cancel` on the dialog.
  dialog.dispatchEvent(new page.window.Event('cancel', { cancelable: true }));
  await settle();
  assert.ok(!dialog.open);
  assert.equal(page.app.state.ui.dialog, null);
  await page.click(page.find('timer-confirm', '[data-timer-id="t_exp"]'));
  dialog = page.find('pin-dialog');
  await page.click(dialog);
  assert.ok(!dialog.open, 'a click on the backdrop closes it');
  await page.click(page.find('timer-confirm', '[data-timer-id="t_exp"]'));
  await typePin(page, '1234');
  await page.click(page.find('pin-submit'));
  assert.deepEqual(commands(page.bridge), [['confirmTimer', 't_exp', '1234']]);
});

test('a star change shows on the card with an Undo for a few seconds', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  page.bridge.addStars = (...args) => { page.bridge.calls.push(['addStars', ...args]); return Promise.resolve('e_new'); };
  await page.click(page.find('stars-add', '[data-member-id="m_1"]'));
  await page.click(page.find('stars-reason-chip'));
  await page.click(page.find('stars-submit'));
  const recent = page.find('recent-stars');
  assert.ok(isVisible(recent));
  assert.match(recent.textContent, /\+★1 · Helped out/);
  await page.click(page.find('recent-stars-undo'));
  assert.deepEqual(commands(page.bridge).at(-1), ['undoStarEntry', 'e_new']);
  assert.ok(!isVisible(page.find('recent-stars')), 'gone once undone');
});

test('stars: a reason and an amount, then the command with them', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('stars-add'));
  assert.ok(page.find('stars-dialog').open);
  assert.ok(page.find('stars-submit').hasAttribute('disabled'), 'a reason first');
  await page.click(page.find('stars-amount-inc'));
  await page.click(page.find('stars-reason-chip', '[data-reason="Kindness"]'));
  assert.equal(page.find('stars-submit').textContent, 'Add 2 stars');
  await page.click(page.find('stars-submit'));
  assert.deepEqual(commands(page.bridge), [['addStars', 'm_1', 2, 'Kindness', undefined]]);
});

test('a failed action shows its sentence in its card, and a live view clears a network one', async (t) => {
  const page = await boot({
    session: signedIn,
    view: view(),
    fail: { pauseTimer: { code: 'network', message: 'connection refused' } },
  });
  t.after(page.done);
  await page.click(page.find('timer-pause', '[data-timer-id="t_run"]'));
  const banner = page.find('error-banner', '[data-scope="timer:t_run"]');
  assert.equal(banner.textContent, "Couldn't pause: the server is unreachable. Trying again…");
  assert.ok(isVisible(banner));
  page.bridge.emitView(view({ revision: 4, connection: { state: 'reconnecting', lastSyncedAt: NOW } }));
  page.bridge.emitView(view({ revision: 5 }));
  page.app.paint();
  assert.ok(!isVisible(page.find('error-banner', '[data-scope="timer:t_run"]')));
});

const signedOut = { signedIn: false, serverUrl: null, email: null, mode: 'client', kiosk: false, families: [], familyId: null, desktop: null };
const submit = async (page, id) => {
  page.find(id).dispatchEvent(new page.window.Event('submit', { bubbles: true, cancelable: true }));
  await settle();
};

test('signing in: the address typed is checked, then the form is sent and the board loads', async (t) => {
  const page = await boot({ session: signedOut, view: view() });
  t.after(page.done);
  await page.click(page.find('way-join'));
  await page.click(page.find('join-as-signin'));
  assert.ok(isVisible(page.find('signin-email')));
  page.find('signin-server').value = '192.168.1.20:8080';
  page.find('signin-email').value = ' ana@x.org ';
  page.find('signin-password').value = 'correct horse';
  page.bridge.session = signedIn;
  await submit(page, 'join-form');
  assert.deepEqual(commands(page.bridge), [
    ['findHouseholds'],
    ['checkServer', 'https://192.168.1.20:8080'],
    ['signIn', 'https://192.168.1.20:8080', 'ana@x.org', 'correct horse', undefined],
  ]);
  assert.equal(page.find('signin-password'), null, 'the welcome is gone');
  assert.ok(isVisible(page.find('dashboard')));
});

test('a server that is not Kinboard is refused before anything is sent to it, in words', async (t) => {
  const page = await boot({
    session: signedOut, view: view(),
    fail: { checkServer: { code: 'not_kinboard', message: 'something answers at http://10.0.0.9:80, but it is not a Kinboard household server' } },
  });
  t.after(page.done);
  await page.click(page.find('way-pair'));
  page.find('pair-server').value = '10.0.0.9:80';
  page.find('pair-code-input').value = 'ABCDE-FGHJK';
  await submit(page, 'pair-form');
  assert.ok(!commands(page.bridge).some(([c]) => c === 'pairKiosk'));
  assert.match(page.find('error-banner', '[data-scope="pair"]').textContent,
    /Couldn't reach that server: something answers at http:\/\/10\.0\.0\.9:80, but it is not a Kinboard household server\./);
});

test('hosting: family and zone, the account, children, the PIN and the starters, then the board', async (t) => {
  const page = await boot({ session: signedOut, view: view({ members: [], settings: { parents: [], kiosks: [], invites: [], colors: [{ name: 'teal', hex: '#17bebb' }] } }) });
  t.after(page.done);
  await page.click(page.find('way-host'));
  assert.equal(page.find('host-zone').value, 'Europe/Madrid', 'this computer’s zone');
  await submit(page, 'host-family-form');
  assert.match(page.find('error-banner', '[data-scope="host"]').textContent, /Give the family a name/);
  page.find('host-family').value = 'The Parkers';
  await submit(page, 'host-family-form');
  page.find('host-name').value = 'Ana';
  page.find('host-email').value = 'ana@x.org';
  page.find('host-password').value = 'short';
  await submit(page, 'host-form');
  assert.match(page.find('error-banner', '[data-scope="host"]').textContent, /at least 8 characters/);
  page.find('host-password').value = 'correct horse';
  // As in the app, the new session reaches the page before the command's
  // reply: the board must not show in between.
  let screenWhileHosting = null;
  page.bridge.hostHousehold = (...args) => {
    page.bridge.calls.push(['hostHousehold', ...args]);
    page.bridge.emitSession(signedIn);
    return new Promise((resolve) => setTimeout(() => {
      screenWhileHosting = page.root.getAttribute('data-screen');
      resolve(undefined);
    }, 0));
  };
  await submit(page, 'host-form');
  assert.equal(screenWhileHosting, 'setup', 'the hosting flow stays while the household is being made');
  assert.deepEqual(commands(page.bridge).at(-1), ['hostHousehold', 'The Parkers', 'Europe/Madrid', 'Ana', 'ana@x.org', 'correct horse']);
  // Signed in, but the flow goes on: the children next.
  assert.ok(isVisible(page.find('host-child-form')));
  assert.equal(page.find('dashboard'), null);
  page.find('host-child-name').value = 'Mia';
  await page.click(page.find('swatch', '[data-color="#17bebb"]'));
  await submit(page, 'host-child-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['addChild', 'Mia', '#17bebb']);
  await page.click(page.find('host-next'));
  page.find('host-pin').value = '2468';
  page.find('host-pin-again').value = '2469';
  await submit(page, 'host-pin-form');
  assert.match(page.find('error-banner', '[data-scope="host"]').textContent, /not the same/);
  page.find('host-pin-again').value = '2468';
  await submit(page, 'host-pin-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['setPin', '2468']);
  // Drop one chore, rename the other, keep the timer.
  const keeps = page.root.querySelectorAll('[data-testid="starter-keep"]');
  keeps[0].checked = false;
  page.root.querySelectorAll('[data-testid="starter-chore-title"]')[1].value = 'Feed the cat';
  await submit(page, 'host-starters-form');
  assert.deepEqual(commands(page.bridge).slice(-2), [['addChore', 'Feed the cat', 1, null], ['addTemplate', 'Reading', 1200, 2]]);
  assert.ok(isVisible(page.find('dashboard')), 'the board is ready');
});

test('joining with an invite: a household picked from the list, checked, then joined', async (t) => {
  const page = await boot({ session: signedOut, view: view() });
  t.after(page.done);
  await page.click(page.find('way-join'));
  // The one usable household found is picked already; the printer cannot be.
  assert.equal(page.find('join-server').value, 'http://10.0.0.5:8080');
  assert.ok(page.find('household', '[data-usable="false"]').disabled);
  page.find('join-code').value = 'abcd-efgh';
  page.find('join-name').value = 'Ben';
  page.find('join-email').value = 'ben@x.org';
  page.find('join-password').value = 'correct horse';
  page.bridge.session = signedIn;
  await submit(page, 'join-form');
  assert.deepEqual(commands(page.bridge).slice(-2), [
    ['checkServer', 'http://10.0.0.5:8080'],
    ['joinHousehold', 'http://10.0.0.5:8080', 'abcd-efgh', 'Ben', 'ben@x.org', 'correct horse', undefined],
  ]);
  assert.ok(isVisible(page.find('dashboard')));
});

test('a parent of two families switches between them and joins another with a code', async (t) => {
  const families = [{ id: 'f_1', name: 'The Parkers', role: 'parent' }, { id: 'f_2', name: 'The Riveras', role: 'parent' }];
  const settings = { parents: [{ id: 'u_1', name: 'Ana', joinedAt: NOW, you: true }], kiosks: [], invites: [], colors: [] };
  const page = await boot({ session: { ...signedIn, families, familyId: 'f_1' }, view: view({ settings }) });
  t.after(page.done);
  const pick = page.find('family-switch');
  assert.deepEqual([...pick.querySelectorAll('option')].map((o) => o.textContent), ['The Parkers', 'The Riveras']);
  pick.value = 'f_2';
  pick.dispatchEvent(new page.window.Event('change', { bubbles: true }));
  await settle();
  assert.deepEqual(commands(page.bridge).find((c) => c[0] === 'switchFamily'), ['switchFamily', 'f_2']);

  await page.click(page.find('settings-open'));
  await page.click(page.find('settings-nav-parents'));
  await submit(page, 'settings-join-form');
  assert.match(page.find('error-banner', '[data-scope="settings"]').textContent, /Type the invite code/);
  page.find('settings-join-code').value = ' wxyz-2345 ';
  await submit(page, 'settings-join-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['joinHousehold', 'http://h', 'wxyz-2345', null, '', ''], 'with this session: no account, no password');
  assert.match(page.find('settings-notice').textContent, /joined the family/);
});

test('settings: each change is its command; the PIN needs the current one; removing asks first', async (t) => {
  const settings = { parents: [{ id: 'u_1', name: 'Ana', joinedAt: NOW, you: true }, { id: 'u_2', name: 'Ben', joinedAt: NOW, you: false }],
    kiosks: [{ id: 'k_1', name: 'Kitchen', pairedAt: NOW, lastSeenAt: null }], invites: [], colors: [{ name: 'teal', hex: '#17bebb' }] };
  const page = await boot({
    session: signedIn,
    view: view({
      family: { id: 'f_1', name: 'The Parkers', timeZone: 'UTC', hasPin: true, choreApproval: 'auto' }, settings,
      chores: [{ id: 'c_1', memberId: 'm_1', label: 'Feed the cat', stars: 1, days: [1, 3, 5], done: [] }],
      rewards: [{ id: 'r_1', title: 'Film night', cost: 10, weeklyLimit: 1, redeemedBy: [] }],
    }),
  });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  assert.ok(isVisible(page.find('settings')));
  page.find('settings-family-name').value = 'The Riveras';
  page.find('settings-family-approval').value = 'parent';
  await submit(page, 'settings-family-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['updateFamily', 'The Riveras', 'UTC', 'parent']);
  assert.match(page.find('settings-notice').textContent, /saved/);

  await page.click(page.find('settings-nav-chores'));
  assert.match(page.find('settings-chore-meta').textContent, /Mon, Wed, Fri/);
  await page.click(page.find('settings-chore-edit'));
  assert.deepEqual([1, 2, 3, 5].map((d) => page.find(`settings-chore-edit-days-${d}`).checked), [true, false, true, true]);
  page.find('settings-chore-edit-member').value = '';
  page.find('settings-chore-edit-stars').value = '3';
  page.find('settings-chore-edit-days-3').checked = false;
  page.find('settings-chore-edit-days-6').checked = true;
  page.root.querySelector('form[data-form="settings-chore-edit"]').dispatchEvent(new page.window.Event('submit', { bubbles: true, cancelable: true }));
  await settle();
  assert.deepEqual(commands(page.bridge).at(-1), ['updateChore', 'c_1', 'Feed the cat', 3, null, [1, 5, 6]], 'no child: any child');
  page.find('settings-chore-title').value = 'Bins';
  page.find('settings-chore-days-4').checked = true;
  await submit(page, 'settings-chore-add-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['addChore', 'Bins', 1, null, [4]]);
  assert.equal(page.find('settings-chore-days-4').checked, false, 'cleared for the next one');

  await page.click(page.find('settings-nav-rewards'));
  page.find('settings-reward-title').value = 'Ice cream';
  page.find('settings-reward-cost').value = '0';
  await submit(page, 'settings-reward-add-form');
  assert.match(page.find('error-banner', '[data-scope="settings"]').textContent, /1 to 1,000/);
  page.find('settings-reward-cost').value = '5';
  page.find('settings-reward-limit').value = '2';
  await submit(page, 'settings-reward-add-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['addReward', 'Ice cream', 5, 2]);
  await page.click(page.find('settings-reward-edit'));
  page.find('settings-reward-edit-limit').value = '';
  page.root.querySelector('form[data-form="settings-reward-edit"]').dispatchEvent(new page.window.Event('submit', { bubbles: true, cancelable: true }));
  await settle();
  assert.deepEqual(commands(page.bridge).at(-1), ['updateReward', 'r_1', 'Film night', 10, null], 'empty: no limit');
  await page.click(page.find('settings-reward-remove'));
  await page.click(page.find('settings-confirm-yes'));
  assert.deepEqual(commands(page.bridge).at(-1), ['removeReward', 'r_1']);

  await page.click(page.find('settings-nav-pin'));
  page.find('settings-pin-new').value = '1357';
  page.find('settings-pin-again').value = '1357';
  await submit(page, 'settings-pin-form');
  assert.match(page.find('error-banner', '[data-scope="settings"]').textContent, /current PIN, or your password/);
  page.find('settings-pin-new').value = '1357';
  page.find('settings-pin-again').value = '1357';
  page.find('settings-pin-password').value = 'correct horse';
  await submit(page, 'settings-pin-form');
  assert.deepEqual(commands(page.bridge).at(-1), ['setPin', '1357', undefined, 'correct horse']);

  await page.click(page.find('settings-nav-parents'));
  await page.click(page.find('settings-parent-remove'));
  assert.ok(!commands(page.bridge).some(([c]) => c === 'removeParent'), 'asked first');
  await page.click(page.find('settings-confirm-yes'));
  assert.deepEqual(commands(page.bridge).at(-1), ['removeParent', 'u_2']);
  await page.click(page.find('settings-invite'));
  assert.equal(page.find('invite-code').textContent, 'ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345');

  // The screens' last-seen times are asked fresh.
  await page.click(page.find('settings-nav-screens'));
  assert.deepEqual(commands(page.bridge).at(-1), ['listKiosks']);
  assert.match(page.find('settings-kiosk-seen').textContent, /last seen 1 min ago/);
  await page.click(page.find('settings-close'));
  assert.ok(isVisible(page.find('dashboard')));
});

test('a session the server ends goes back to the start; a window paired as a kiosk becomes one', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  page.bridge.emitSession(signedOut);
  await settle();
  assert.ok(isVisible(page.find('way-host')), 'the welcome, with its three ways in');
  assert.equal(page.app.state.ui.settings, null);

  await page.click(page.find('way-pair'));
  page.find('pair-code-input').value = 'ABCDE-FGHJK';
  const kiosk = { ...signedIn, email: null, kiosk: true };
  page.bridge.session = kiosk;
  await submit(page, 'pair-form');
  page.bridge.emitSession(kiosk);
  await settle();
  assert.ok(page.doc.documentElement.classList.contains('kiosk'), 'the kiosk layout, without a relaunch');
  assert.ok(isVisible(page.find('dashboard')));
  // Revoked: back to pairing, still a kitchen screen.
  page.bridge.emitSession({ ...signedOut, kiosk: true });
  await settle();
  assert.ok(isVisible(page.find('pair-form')));
  assert.equal(page.find('way-host'), null);
});

test('a kitchen screen is only ever paired, never signed in, and lists the households at once', async (t) => {
  const page = await boot({ session: { ...signedOut, kiosk: true }, view: view() });
  t.after(page.done);
  assert.equal(page.find('signin-form'), null);
  assert.ok(isVisible(page.find('pair-form')));
  assert.equal(page.find('pair-server').value, 'http://10.0.0.5:8080', 'the household found');
  page.find('pair-server').value = 'http://h:8080';
  page.find('pair-code-input').value = 'abcde-fghjk';
  await submit(page, 'pair-form');
  assert.deepEqual(commands(page.bridge), [['findHouseholds'], ['checkServer', 'http://h:8080'], ['pairKiosk', 'http://h:8080', 'abcde-fghjk', undefined]]);
});

test('a household server new to this screen: its check code shown, trusted only when a person says the codes match', async (t) => {
  const fingerprint = 'ab'.repeat(32);
  const unconfirmed = {
    code: 'certificate_unconfirmed',
    message: 'this household server’s certificate is new to this screen',
    certificate: { fingerprint, code: 'NDNP-NDNP-NDNP' },
  };
  const page = await boot({
    session: { ...signedOut, kiosk: true }, view: view(),
    fail: { pairKiosk: (url, code, cert) => (cert === fingerprint ? null : unconfirmed) },
  });
  t.after(page.done);
  const scrolled = [];
  page.window.HTMLElement.prototype.scrollIntoView = function scrollIntoView() {
    scrolled.push(this.getAttribute('data-testid'));
  };
  page.find('pair-server').value = '192.168.1.20:8080';
  page.find('pair-code-input').value = 'ABCDE-FGHJK';
  await submit(page, 'pair-form');
  const check = page.find('certificate-check');
  assert.ok(isVisible(check), 'the check is shown');
  assert.deepEqual(scrolled, ['certificate-check'], 'brought into view, once');
  assert.equal(check.getAttribute('data-changed'), 'false');
  assert.equal(page.find('certificate-code').textContent, 'NDNP-NDNP-NDNP');
  assert.match(page.find('error-banner', '[data-scope="pair"]').textContent, /new to this screen/);
  // They differ: nothing is trusted, nothing sent again.
  await page.click(page.find('certificate-distrust'));
  assert.equal(page.find('certificate-check'), null);
  assert.match(page.find('error-banner', '[data-scope="pair"]').textContent, /Not trusted, and nothing was sent/);
  assert.equal(commands(page.bridge).filter(([c]) => c === 'pairKiosk').length, 1);
  // Again; this time they match: sent once more, with the fingerprint.
  await submit(page, 'pair-form');
  page.bridge.session = { ...signedIn, kiosk: true };
  await page.click(page.find('certificate-trust'));
  const pairs = commands(page.bridge).filter(([c]) => c === 'pairKiosk');
  assert.deepEqual(pairs, [
    ['pairKiosk', 'https://192.168.1.20:8080', 'ABCDE-FGHJK', undefined],
    ['pairKiosk', 'https://192.168.1.20:8080', 'ABCDE-FGHJK', undefined],
    ['pairKiosk', 'https://192.168.1.20:8080', 'ABCDE-FGHJK', fingerprint],
  ]);
  assert.equal(page.find('certificate-check'), null);
  assert.equal(page.find('pair-form'), null, 'paired: the pairing form is gone');
});

test('a changed certificate is shown as such, in its own words', async (t) => {
  const page = await boot({
    session: signedOut, view: view(),
    fail: { signIn: { code: 'certificate_changed', message: 'changed', certificate: { fingerprint: 'cd'.repeat(32), code: 'SK6D-SK6D-SK6D' } } },
  });
  t.after(page.done);
  await page.click(page.find('way-join'));
  await page.click(page.find('join-as-signin'));
  page.find('signin-server').value = 'https://192.168.1.20:8080';
  page.find('signin-email').value = 'ana@x.org';
  page.find('signin-password').value = 'correct horse';
  await submit(page, 'join-form');
  const check = page.find('certificate-check');
  assert.equal(check.getAttribute('data-changed'), 'true');
  assert.match(check.textContent, /different certificate/);
  assert.equal(page.find('certificate-code').textContent, 'SK6D-SK6D-SK6D');
  assert.match(page.find('error-banner', '[data-scope="signin"]').textContent,
    /Couldn't sign in: the household server shows another certificate than before/);
});

test('pairing a screen: a name, then the code, the address, and Done where the button was', async (t) => {
  const page = await boot({ session: signedIn, view: view({ settings: { parents: [], kiosks: [], invites: [], colors: [] } }) });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  await page.click(page.find('settings-nav-screens'));
  await page.click(page.find('pair-open'));
  assert.ok(page.find('pair-dialog').open);
  const input = page.find('pair-name');
  input.value = 'Hall';
  input.dispatchEvent(new page.window.Event('input', { bubbles: true }));
  await settle();
  const button = page.find('pair-create');
  assert.equal(button.textContent, 'Make a code');
  await page.click(button);
  assert.deepEqual(commands(page.bridge).filter(([c]) => c === 'createKioskPairing'), [['createKioskPairing', 'Hall']]);
  assert.equal(page.find('pair-code').textContent, 'ABCDE-FGHJK');
  assert.match(page.find('pair-server-url').textContent, /192\.168\.1\.20:8080/);
  assert.equal(page.find('dialog-cancel'), null, 'nothing to cancel once made');
  assert.equal(page.find('pair-create'), button, 'the same button, now Done, keeps focus');
  assert.equal(button.textContent, 'Done');
  await page.click(button);
  assert.ok(!page.find('pair-dialog'), 'closed');
});

test('a dialog the browser closes by itself is closed in the page too', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('stars-add'));
  const dialog = page.find('stars-dialog');
  dialog.close();
  await settle();
  assert.equal(page.app.state.ui.dialog, null);
  page.app.paint();
  assert.ok(!dialog.open, 'not opened again by the next render');
});

const rewards = [
  { id: 'r_ice', title: 'Ice cream', cost: 3, weeklyLimit: 1, redeemedBy: [] },
  { id: 'r_film', title: 'Film night', cost: 10, weeklyLimit: null, redeemedBy: [] },
];

test('a kitchen screen spends stars on a reward with the parent PIN, and may undo it for a few seconds', async (t) => {
  const page = await boot({ session: { ...signedIn, kiosk: true, email: null }, view: view({ role: 'kiosk', rewards }) });
  t.after(page.done);
  await page.click(page.find('redeem-open', '[data-member-id="m_1"]'));
  const dialog = page.find('redeem-dialog');
  assert.ok(dialog.open);
  const choices = byTestId(dialog, 'reward-choice');
  assert.deepEqual(choices.map((c) => c.hasAttribute('disabled')), [false, true], 'Film night costs more than Ada has');
  assert.match(choices[1].textContent, /not enough stars/);
  await page.click(choices[0]);
  assert.ok(page.find('redeem-submit').hasAttribute('disabled'), 'no PIN yet');
  assert.deepEqual(commands(page.bridge), []);
  await typePin(page, '2468');
  await page.click(page.find('redeem-submit'));
  assert.deepEqual(commands(page.bridge), [['redeemReward', 'r_ice', 'm_1', '2468']]);
  assert.equal(page.app.state.ui.dialog, null);
  // The view that follows lists it on Ada's card, with Undo while it is new.
  page.bridge.emitView(view({
    role: 'kiosk', revision: 5, members: [{ id: 'm_1', name: 'Ada', color: '#e4572e', balance: 1, weeklyStars: 2 }],
    rewards: [{ ...rewards[0], redeemedBy: ['m_1'] }, rewards[1]],
    redemptions: [
      { id: 'x_1', rewardId: 'r_ice', memberId: 'm_1', title: 'Ice cream', cost: 3, entryId: 'e_9', createdAt: Date.now(), mine: true },
      // Redeemed on a parent's window: not this screen's to undo.
      { id: 'x_0', rewardId: 'r_ice', memberId: 'm_1', title: 'Ice cream', cost: 3, entryId: 'e_8', createdAt: Date.now(), mine: false },
    ],
  }));
  await settle();
  assert.equal(byTestId(page.root, 'redemption-undo').length, 1, 'only its own');
  await page.click(page.find('redemption-undo'));
  assert.deepEqual(commands(page.bridge).at(-1), ['undoStarEntry', 'e_9']);
  // Had once of once this week: the next time it is refused before asking.
  await page.click(page.find('redeem-open', '[data-member-id="m_1"]'));
  const again = byTestId(page.find('redeem-dialog'), 'reward-choice');
  assert.ok(again[0].hasAttribute('disabled'));
  assert.match(again[0].textContent, /had 1 of 1 this week/);
});

test('a parent approves or rejects what waits, and reads a child’s history with its chart', async (t) => {
  const pending = [{ completionId: 'cmp_p', choreId: 'c_1', choreLabel: 'Feed the cat', memberId: 'm_1', stars: 1, completedAt: NOW - MIN }];
  const page = await boot({
    session: signedIn,
    view: view({ pending, chores: [{ id: 'c_1', memberId: 'm_1', label: 'Feed the cat', stars: 1, done: [{ memberId: 'm_1', completionId: 'cmp_p', completedAt: NOW - MIN, status: 'pending' }] }] }),
  });
  t.after(page.done);
  assert.ok(isVisible(page.find('pending-list')));
  assert.match(page.find('pending-item').textContent, /Ada: Feed the cat/);
  await page.click(page.find('completion-approve'));
  await page.click(page.find('completion-reject'));
  await page.click(page.find('chore-approve'));
  assert.deepEqual(commands(page.bridge), [['approveCompletion', 'cmp_p'], ['rejectCompletion', 'cmp_p'], ['approveCompletion', 'cmp_p']]);

  await page.click(page.find('history-open', '[data-member-id="m_1"]'));
  await settle();
  const dialog = page.find('history-dialog');
  assert.ok(dialog.open);
  assert.deepEqual(commands(page.bridge).at(-1), ['memberHistory', 'm_1']);
  const weeks = byTestId(dialog, 'history-week');
  assert.equal(weeks.length, 12);
  assert.equal(weeks.at(-1).getAttribute('data-stars'), '3');
  // Drawn as SVG, not as unknown HTML elements that nothing draws.
  assert.equal(dialog.querySelector('rect').namespaceURI, 'http://www.w3.org/2000/svg');
  assert.match(dialog.textContent, /This week/);
  const lines = byTestId(dialog, 'ledger-line');
  assert.deepEqual(lines.map((l) => l.getAttribute('data-kind')), ['reward', 'chore']);
  assert.match(lines[0].textContent, /by Kitchen/);
  await page.click(byTestId(lines[1], 'ledger-undo')[0]);
  assert.deepEqual(commands(page.bridge).slice(-2), [['undoStarEntry', 'e_1'], ['memberHistory', 'm_1']], 'undone, then the history again');
  await page.click(page.find('history-export'));
  assert.deepEqual(commands(page.bridge).at(-1), ['exportLedger', 'm_1']);
  assert.match(page.find('export-saved').textContent, /stars-Ada-2026-12-04\.csv/);
});

test('where parents approve, a kitchen screen asks a parent for a reward without the PIN, and a parent decides', async (t) => {
  const family = { id: 'f_1', name: 'The Parkers', timeZone: 'UTC', hasPin: true, choreApproval: 'parent' };
  const page = await boot({ session: { ...signedIn, kiosk: true, email: null }, view: view({ role: 'kiosk', family, rewards }) });
  t.after(page.done);
  page.bridge.redeemReward = (...args) => { page.bridge.calls.push(['redeemReward', ...args]); return Promise.resolve(null); };
  await page.click(page.find('redeem-open', '[data-member-id="m_1"]'));
  await page.click(byTestId(page.find('redeem-dialog'), 'reward-choice')[0]);
  const submit = page.find('redeem-submit');
  assert.ok(!submit.hasAttribute('disabled'), 'no PIN needed to ask');
  assert.match(submit.textContent, /Ask a parent for Ice cream/);
  // A PIN half typed is neither: finish it or clear it.
  await typePin(page, '24');
  assert.ok(submit.hasAttribute('disabled'));
  await page.click(page.find('pin-clear'));
  await page.click(submit);
  assert.deepEqual(commands(page.bridge).at(-1), ['redeemReward', 'r_ice', 'm_1', undefined]);
  assert.equal(page.app.state.ui.dialog, null);
  // It waits on the card and in the list, with no Undo (nothing spent).
  const waiting = { id: 'x_w', rewardId: 'r_ice', memberId: 'm_1', title: 'Ice cream', cost: 3, status: 'pending', entryId: null, createdAt: Date.now(), mine: true };
  page.bridge.emitView(view({ role: 'kiosk', family, rewards, revision: 9, redemptions: [waiting] }));
  await settle();
  assert.equal(page.find('redemption').getAttribute('data-status'), 'pending');
  assert.equal(byTestId(page.root, 'redemption-undo').length, 0);
  assert.match(page.find('pending-reward').textContent, /Ada would like: Ice cream/);
  assert.equal(byTestId(page.root, 'redemption-approve').length, 0, 'a kitchen screen does not decide');

  // On a parent's window: give it, or not.
  const parent = await boot({ session: signedIn, view: view({ family, rewards, redemptions: [waiting] }) });
  t.after(parent.done);
  await parent.click(parent.find('redemption-approve'));
  await parent.click(parent.find('redemption-reject'));
  assert.deepEqual(commands(parent.bridge), [['approveRedemption', 'x_w'], ['rejectRedemption', 'x_w']]);
});

test('your account: where you are signed in, another screen signed out, the password changed', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  await page.click(page.find('settings-nav-account'));
  assert.deepEqual(commands(page.bridge).at(-1), ['listSessions']);
  const rows = byTestId(page.root, 'settings-session');
  assert.deepEqual(rows.map((r) => r.querySelector('.row-title').textContent), ['This computer', 'Another screen']);
  assert.equal(rows[0].querySelector('[data-testid="settings-session-end"]'), null, 'this one is signed out from the board');
  await page.click(rows[1].querySelector('[data-testid="settings-session-end"]'));
  assert.ok(!commands(page.bridge).some(([c]) => c === 'endSession'), 'asked first');
  await page.click(page.find('settings-confirm-yes'));
  assert.deepEqual(commands(page.bridge).slice(-2), [['endSession', 'bbbb000011112222'], ['listSessions']]);

  // The form's own checks first, in plain words.
  page.find('settings-password-current').value = 'correct horse';
  page.find('settings-password-new').value = 'short';
  page.find('settings-password-again').value = 'short';
  await submit(page, 'settings-password-form');
  assert.match(page.root.textContent, /at least 8 characters/);
  page.find('settings-password-new').value = 'a longer one';
  page.find('settings-password-again').value = 'a longer one!';
  await submit(page, 'settings-password-form');
  assert.match(page.root.textContent, /not the same/);
  assert.ok(!commands(page.bridge).some(([c]) => c === 'changePassword'));
  page.find('settings-password-new').value = 'a longer one';
  page.find('settings-password-again').value = 'a longer one';
  await submit(page, 'settings-password-form');
  assert.deepEqual(commands(page.bridge).filter(([c]) => c === 'changePassword'), [['changePassword', 'correct horse', 'a longer one']]);
  assert.match(page.find('settings-notice').textContent, /password is changed; one other screen was signed out/);
  assert.equal(page.find('settings-password-current').value, '', 'nothing typed stays in the form');
});

test('a wrong current password says so', async (t) => {
  const page = await boot({ session: signedIn, view: view(), fail: { changePassword: { code: 'invalid_credentials', message: 'that is not this account\'s password' } } });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  await page.click(page.find('settings-nav-account'));
  page.find('settings-password-current').value = 'not it';
  page.find('settings-password-new').value = 'a longer one';
  page.find('settings-password-again').value = 'a longer one';
  await submit(page, 'settings-password-form');
  assert.match(page.root.textContent, /the current password is not right/);
});

test('copy diagnostics: to the clipboard, or shown to copy where there is none', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  await page.click(page.find('settings-nav-account'));
  const copied = [];
  // Node 20 has no navigator of its own; the webview has.
  const hadNavigator = globalThis.navigator !== undefined;
  if (!hadNavigator) globalThis.navigator = {};
  const clipboard = globalThis.navigator.clipboard;
  t.after(() => {
    if (hadNavigator) Object.defineProperty(globalThis.navigator, 'clipboard', { configurable: true, value: clipboard });
    else delete globalThis.navigator;
  });
  Object.defineProperty(globalThis.navigator, 'clipboard', { configurable: true, value: { writeText: async (x) => { copied.push(x); } } });
  await page.click(page.find('settings-diagnostics'));
  assert.deepEqual(copied, ['{"kinboard": "0.1.0"}']);
  assert.match(page.find('settings-notice').textContent, /diagnostics are copied/);
  Object.defineProperty(globalThis.navigator, 'clipboard', { configurable: true, value: { writeText: async () => { throw new Error('denied'); } } });
  await page.click(page.find('settings-diagnostics'));
  assert.equal(page.find('settings-diagnostics-text').value, '{"kinboard": "0.1.0"}');
});


// ---------------------------------------------------------------- sound, night, quitting

const chimeOf = (page) => page.doc.querySelector('[data-testid="chime"]');

test('a parent’s screen chimes once when a timer runs out while it shows, never for one it finds run out', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  // t_exp had run out before the page opened: no chime.
  assert.equal(page.app.chime.playing, false);
  const running = view().timers[0];
  page.bridge.emitView(view({ revision: 4, timers: [{ ...running, state: 'expired' }, view().timers[1]] }));
  await settle();
  const audio = chimeOf(page);
  assert.ok(audio, 'the chime is on the page');
  assert.equal(audio.getAttribute('data-chime'), 'sounds/chime.ogg');
  assert.ok(audio.getAttribute('src'), 'with its source');
  assert.equal(page.app.chime.playing, true, 'it plays when Homework runs out');
  assert.equal(audio.loop, false, 'once, on a parent’s screen');
  assert.equal(audio.volume, 0.8);
});

test('a kitchen screen rings until the timer is handled, and a mute stops it', async (t) => {
  const kiosk = { ...signedIn, kiosk: true, email: null };
  const page = await boot({ session: kiosk, view: view({ role: 'kiosk' }) });
  t.after(page.done);
  // Piano has run out and nobody has handled it: it rings at once, again and again.
  const audio = chimeOf(page);
  assert.equal(page.app.chime.playing, true);
  assert.equal(audio.loop, true);
  // Another view with the same timer still run out: it keeps ringing.
  page.bridge.emitView(view({ role: 'kiosk', revision: 4 }));
  await settle();
  assert.equal(page.app.chime.playing, true);
  // Confirmed (gone from the run-out ones): silence.
  page.bridge.emitView(view({ role: 'kiosk', revision: 5, timers: [view().timers[0]] }));
  await settle();
  assert.equal(page.app.chime.playing, false);
  // Runs out again, the screen muted from the bell: the setting is kept, nothing rings.
  page.bridge.emitView(view({ role: 'kiosk', revision: 6 }));
  await settle();
  assert.equal(page.app.chime.playing, true);
  await page.click(page.find('sound-open'));
  assert.ok(page.find('sound-dialog').open);
  const mute = page.find('sound-mute');
  mute.checked = true;
  mute.dispatchEvent(new page.window.Event('change', { bubbles: true }));
  await settle();
  assert.deepEqual(commands(page.bridge).at(-1), ['setSound', 80, true]);
  assert.equal(page.app.chime.playing, false, 'muted: it stops');
  assert.equal(page.find('sound-open').getAttribute('data-muted'), 'true');
  // Unmuted with the timer still run out, it rings again; the volume follows.
  mute.checked = false;
  mute.dispatchEvent(new page.window.Event('change', { bubbles: true }));
  await settle();
  assert.equal(page.app.chime.playing, true);
  const volume = page.find('sound-volume');
  volume.value = '35';
  volume.dispatchEvent(new page.window.Event('change', { bubbles: true }));
  await settle();
  assert.deepEqual(commands(page.bridge).at(-1), ['setSound', 35, false]);
  assert.equal(audio.volume, 0.35);
});

test('the tray’s Quit on a hosting computer asks first and says what the other screens lose', async (t) => {
  const page = await boot({ session: { ...signedIn, mode: 'host' }, view: view() });
  t.after(page.done);
  page.bridge.emitQuitRequested({ hosting: true });
  await settle();
  const dialog = page.find('quit-dialog');
  assert.ok(dialog.open);
  assert.match(dialog.textContent, /other screens lose their server/);
  await page.click(page.find('dialog-cancel'));
  assert.equal(page.app.state.ui.dialog, null, 'Keep running closes it');
  assert.deepEqual(commands(page.bridge), [], 'and quits nothing');
  page.bridge.emitQuitRequested({ hosting: true });
  await settle();
  await page.click(page.find('quit-confirm'));
  assert.deepEqual(commands(page.bridge), [['quit']]);
});

test('quitting is asked on the welcome screen too, before any family exists', async (t) => {
  const page = await boot({ session: { signedIn: false, serverUrl: null, email: null, mode: 'host', kiosk: false, desktop: null }, view: null });
  t.after(page.done);
  page.bridge.emitQuitRequested({ hosting: true });
  await settle();
  assert.ok(isVisible(page.find('quit-dialog')), 'the question shows over the welcome');
  await page.click(page.find('quit-confirm'));
  assert.deepEqual(commands(page.bridge).at(-1), ['quit']);
});

/** A family whose night covers now, in its own zone. */
function nightNow(zone = 'Pacific/Auckland') {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date());
  const hour = Number(parts.find((p) => p.type === 'hour').value);
  const pad = (h) => String((h + 24) % 24).padStart(2, '0');
  return { from: `${pad(hour - 1)}:00`, to: `${pad(hour + 1)}:00` };
}

test('a kitchen screen dims in its family’s night, lets the display blank, and a touch or a run-out timer wakes it', async (t) => {
  const kiosk = { ...signedIn, kiosk: true, email: null };
  const zone = 'Pacific/Auckland';
  const family = { id: 'f_1', name: 'The Parkers', timeZone: zone, night: nightNow(zone) };
  const quiet = view({ role: 'kiosk', family, timers: [view().timers[0]] });
  const page = await boot({ session: kiosk, view: quiet });
  t.after(page.done);
  const nights = () => page.bridge.calls.filter(([name]) => name === 'kioskNight').map(([, asleep]) => asleep);
  assert.ok(isVisible(page.find('night-veil')), 'the veil is down');
  assert.ok(page.doc.documentElement.classList.contains('night'));
  assert.deepEqual(nights(), [true], 'the shell may let the display blank');
  // A touch wakes it, for a while.
  await page.click(page.find('night-veil'));
  assert.ok(!isVisible(page.find('night-veil')));
  assert.deepEqual(nights(), [true, false]);
  // Back to sleep when the while is over…
  page.app.state.ui.night.wokenUntil = Date.now() - 1;
  page.app.paint();
  assert.ok(isVisible(page.find('night-veil')));
  // …and a timer running out wakes it, ringing, until it is handled.
  page.bridge.emitView(view({ role: 'kiosk', family, revision: 4, timers: [{ ...view().timers[0], state: 'expired' }] }));
  await settle();
  assert.ok(!isVisible(page.find('night-veil')));
  assert.equal(page.app.chime.playing, true);
  page.bridge.emitView(view({ role: 'kiosk', family, revision: 5, timers: [] }));
  await settle();
  assert.ok(isVisible(page.find('night-veil')), 'handled: asleep again');
  assert.equal(page.app.chime.playing, false);
  assert.deepEqual(nights(), [true, false, true, false, true]);
});

test('a parent’s window never sleeps, whatever the night', async (t) => {
  const family = { id: 'f_1', name: 'The Parkers', timeZone: 'UTC', night: nightNow('UTC') };
  const page = await boot({ session: signedIn, view: view({ family }) });
  t.after(page.done);
  assert.ok(!isVisible(page.find('night-veil')));
  assert.ok(!page.doc.documentElement.classList.contains('night'));
});

test('the family sets its kitchen screens’ night in the settings, or none', async (t) => {
  const page = await boot({ session: signedIn, view: view() });
  t.after(page.done);
  await page.click(page.find('settings-open'));
  const form = page.find('settings-night-form');
  assert.ok(form, 'the night is among the family settings');
  page.find('settings-night-on').checked = true;
  page.find('settings-night-from').value = '20:30';
  page.find('settings-night-to').value = '06:45';
  await page.click(page.find('settings-night-save'));
  assert.deepEqual(commands(page.bridge).at(-1), ['setNight', { from: '20:30', to: '06:45' }]);
  page.find('settings-night-to').value = '20:30';
  await page.click(page.find('settings-night-save'));
  assert.match(page.find('error-banner', '[data-scope="settings"]').textContent, /another time/);
  page.find('settings-night-on').checked = false;
  await page.click(page.find('settings-night-save'));
  assert.deepEqual(commands(page.bridge).at(-1), ['setNight', null]);
});
