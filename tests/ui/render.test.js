// render.test.js — view → DOM on a real DOM (happy-dom): screens, card
// order and states, kiosk vs parent controls, empty states, the
// connection chip, inline errors, the native dialog, and that re-rendering
// patches instead of rebuilding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byTestId, isVisible, mount, recordChanges } from './page.js';
import { connectionText, render, renderTick } from '../../ui/js/render.js';

const NOW = 1_764_140_000_000;
const MIN = 60_000;

/** A child's completion of a chore today. */
const done = (memberId, completionId, completedAt, status = 'approved', mine = false) => ({ memberId, completionId, completedAt, status, mine });

function view(over = {}) {
  return {
    revision: 42,
    role: 'parent',
    family: { id: 'f_1', name: 'The Parkers', timeZone: 'UTC' },
    members: [
      { id: 'm_1', name: 'Ada', color: '#e4572e', balance: 12, weeklyStars: 5 },
      { id: 'm_2', name: 'Ben', color: '#3a86ff', balance: 7, weeklyStars: 3 },
      { id: 'm_3', name: 'Cleo', color: 'red; background: url(x)', balance: 0, weeklyStars: 0 },
    ],
    timers: [
      { id: 't_run', memberId: 'm_1', label: 'Homework', state: 'running', endsAt: NOW + 12 * MIN + 34_000, remainingMs: null, durationMs: 25 * MIN, stars: 2, templateId: null },
      { id: 't_pause', memberId: 'm_2', label: 'Reading', state: 'paused', endsAt: null, remainingMs: 8 * MIN + 5_000, durationMs: 20 * MIN, stars: 1, templateId: 'tp_1' },
      { id: 't_exp', memberId: 'm_3', label: 'Piano', state: 'expired', endsAt: NOW - 40_000, remainingMs: null, durationMs: 15 * MIN, stars: 3, templateId: null },
      { id: 't_long', memberId: 'm_2', label: 'Lego', state: 'running', endsAt: NOW + 65 * MIN, remainingMs: null, durationMs: 90 * MIN, stars: 0, templateId: null },
      { id: 't_done', memberId: 'm_2', label: 'Old', state: 'completed', endsAt: null, remainingMs: null, durationMs: MIN, stars: 1, templateId: null },
    ],
    templates: [
      { id: 'tp_1', label: 'Reading', durationSeconds: 1200, stars: 1 },
      { id: 'tp_2', label: 'Tidy up', durationSeconds: 600, stars: 0 },
    ],
    chores: [
      { id: 'c_1', memberId: 'm_1', label: 'Feed the cat', stars: 1, done: [done('m_1', 'cmp_c1', NOW - MIN)] },
      { id: 'c_2', memberId: 'm_1', label: 'Make bed', stars: 1, done: [] },
      { id: 'c_3', memberId: 'm_2', label: 'Plants', stars: 1, done: [done('m_1', 'cmp_c3', NOW - MIN)] },
    ],
    connection: { state: 'live', lastSyncedAt: NOW - 3000 },
    serverOffsetMs: 0,
    lastError: null,
    ...over,
  };
}

const session = (over = {}) => ({ signedIn: true, serverUrl: 'http://x', email: 'a@b', mode: 'client', kiosk: false, ...over });
const ui = (over = {}) => ({ pending: new Set(), errors: {}, confirmCancel: null, dialog: null, dismissedError: null, ...over });
const model = (over = {}) => ({ session: session(), view: view(), now: NOW, kiosk: false, ui: ui(), ...over });

function draw(m) {
  const { doc, root } = mount();
  render(root, m);
  return { doc, root };
}
const one = (root, id) => byTestId(root, id)[0];
const card = (root, id) => root.querySelector(`[data-testid="timer-card"][data-timer-id="${id}"]`);

test('signed out shows the three ways in, not the dashboard', () => {
  const { root } = draw(model({ session: session({ signedIn: false }), view: null }));
  for (const way of ['way-host', 'way-join', 'way-pair']) assert.ok(isVisible(one(root, way)), way);
  assert.match(one(root, 'way-host').textContent, /Host a household on this computer/);
  assert.match(one(root, 'way-join').textContent, /Join a household/);
  assert.match(one(root, 'way-pair').textContent, /kitchen screen/);
  assert.ok(!isVisible(one(root, 'dashboard')));
});

test('no session yet shows the loading screen', () => {
  const { root } = draw(model({ session: null, view: null }));
  assert.ok(isVisible(one(root, 'loading')));
  assert.ok(!isVisible(one(root, 'welcome')));
});

test('timer cards are ordered by time left, expired first, finished ones hidden', () => {
  const { root } = draw(model());
  const ids = byTestId(root, 'timer-card').map((c) => c.getAttribute('data-timer-id'));
  assert.deepEqual(ids, ['t_exp', 't_pause', 't_run', 't_long']);
});

test('a running card shows name, label, mm:ss, stars at stake and Pause', () => {
  const { root } = draw(model());
  const c = card(root, 't_run');
  assert.equal(c.getAttribute('data-state'), 'running');
  assert.equal(c.querySelector('.tc-name').textContent, 'Ada');
  assert.equal(c.querySelector('.tc-label').textContent, 'Homework');
  assert.equal(one(c, 'timer-countdown').textContent, '12:34');
  assert.equal(c.querySelector('.tc-stars').textContent, '★ 2');
  assert.equal(c.querySelector('.tc-stars').getAttribute('aria-label'), '2 stars at stake');
  assert.equal(one(c, 'timer-pause').getAttribute('aria-label'), 'Pause Ada’s Homework');
  assert.equal(byTestId(c, 'timer-resume').length, 0);
  assert.equal(byTestId(c, 'timer-confirm').length, 0);
  assert.ok(one(c, 'timer-extend'));
  assert.ok(one(c, 'timer-cancel').getAttribute('aria-label').startsWith('Cancel Ada’s Homework'));
  assert.match(c.getAttribute('style'), /--accent: #e4572e/);
  // 12:34 of 25:00 left: the bar is that fraction full.
  assert.equal(c.querySelector('.tc-bar-fill').getAttribute('style'), `transform: scaleX(${(754 / 1500).toFixed(4)})`);
});

test('over an hour shows h:mm:ss and steps the font down', () => {
  const { root } = draw(model());
  const cd = one(card(root, 't_long'), 'timer-countdown');
  assert.equal(cd.textContent, '1:05:00');
  assert.ok(cd.hasAttribute('data-long'));
  assert.ok(!one(card(root, 't_run'), 'timer-countdown').hasAttribute('data-long'));
});

test('a paused card says Paused, shows its frozen time and offers Resume', () => {
  const { root } = draw(model());
  const c = card(root, 't_pause');
  assert.equal(c.getAttribute('data-state'), 'paused');
  assert.match(c.getAttribute('class'), /is-paused/);
  assert.equal(c.querySelector('.tc-status').textContent, 'Paused');
  assert.equal(one(c, 'timer-countdown').textContent, '8:05');
  assert.ok(one(c, 'timer-resume'));
  assert.equal(byTestId(c, 'timer-pause').length, 0);
});

test('an expired card says Time’s up, shows 0:00 and offers Confirm (+★) and +5 min', () => {
  const { root } = draw(model());
  const c = card(root, 't_exp');
  assert.equal(c.getAttribute('data-state'), 'expired');
  assert.equal(c.querySelector('.tc-status').textContent, 'Time’s up!');
  assert.equal(one(c, 'timer-countdown').textContent, '0:00');
  assert.equal(one(c, 'timer-confirm').textContent, 'Confirm +★3');
  assert.equal(one(c, 'timer-extend').textContent, '+5 min');
  assert.equal(byTestId(c, 'timer-pause').length, 0);
});

test('an unsafe member colour never reaches the style attribute', () => {
  const { root } = draw(model());
  const style = card(root, 't_exp').getAttribute('style');
  assert.ok(!style.includes('url('), style);
  assert.match(style, /^--accent: #[0-9a-f]{6}$/i);
});

test('the local clock turns a running card into Time’s up without the server', () => {
  const { doc, root } = draw(model());
  const m = model({ now: NOW + 13 * MIN });
  renderTick(root, m);
  const c = card(root, 't_run');
  assert.equal(c.getAttribute('data-state'), 'expired');
  assert.ok(one(c, 'timer-confirm'));
  assert.equal(one(c, 'timer-countdown').textContent, '0:00');
});

test('countdowns use the server offset', () => {
  const { root } = draw(model({ view: view({ serverOffsetMs: 34_000 }) }));
  assert.equal(one(card(root, 't_run'), 'timer-countdown').textContent, '12:00');
});

test('a tick only patches text and attributes: no node added or removed, same card nodes', () => {
  const { root } = draw(model());
  const before = card(root, 't_run');
  const changes = recordChanges(root);
  renderTick(root, model({ now: NOW + 1000 }));
  const records = changes();
  assert.ok(records.length > 0, 'the countdown moved');
  assert.deepEqual(records.filter((r) => r.type === 'childList'), []);
  assert.equal(card(root, 't_run'), before);
  assert.equal(one(before, 'timer-countdown').textContent, '12:33');
});

test('a re-render with an unchanged view writes nothing to the DOM', () => {
  const { root } = draw(model());
  const changes = recordChanges(root);
  render(root, model());
  assert.deepEqual(changes(), []);
});

test('a new view reuses cards by id, adds new ones and drops gone ones', () => {
  const { doc, root } = draw(model());
  const run = card(root, 't_run');
  const pauseBtn = one(run, 'timer-pause');
  const v = view();
  v.timers = v.timers.filter((t) => t.id !== 't_exp');
  v.timers[0] = { ...v.timers[0], state: 'paused', endsAt: null, remainingMs: 5 * MIN };
  v.timers.push({ id: 't_new', memberId: 'm_1', label: 'New', state: 'running', endsAt: NOW + 30 * MIN, remainingMs: null, durationMs: 30 * MIN, stars: 1, templateId: null });
  render(root, model({ view: v }));
  assert.deepEqual(byTestId(root, 'timer-card').map((c) => c.getAttribute('data-timer-id')), ['t_run', 't_pause', 't_new', 't_long']);
  assert.equal(card(root, 't_run'), run, 'same node');
  // The pause button became the resume button in place, so focus on it survives.
  assert.equal(one(run, 'timer-resume'), pauseBtn);
  assert.equal(card(root, 't_exp'), null);
});

test('cancel asks to confirm inside the card', () => {
  const { root } = draw(model({ ui: ui({ confirmCancel: 't_run' }) }));
  const c = card(root, 't_run');
  assert.ok(isVisible(one(c, 'timer-cancel-confirm')));
  assert.ok(!isVisible(one(c, 'timer-pause')));
  assert.equal(c.querySelector('.tc-confirm-text').textContent, 'Cancel Ada’s Homework? No stars will be given.');
  assert.ok(!isVisible(one(card(root, 't_long'), 'timer-cancel-confirm')));
});

test('a pending action disables its button', () => {
  const { root } = draw(model({ ui: ui({ pending: new Set(['pause:t_run']) }) }));
  const b = one(card(root, 't_run'), 'timer-pause');
  assert.ok(b.hasAttribute('disabled'));
  assert.equal(b.getAttribute('aria-busy'), 'true');
});

test('an error shows as a sentence in the card that failed, and only there', () => {
  const sentence = "Couldn't pause: the server is unreachable. Trying again…";
  const { root } = draw(model({ ui: ui({ errors: { 'timer:t_run': sentence } }) }));
  const err = one(card(root, 't_run'), 'error-banner');
  assert.ok(isVisible(err));
  assert.equal(err.textContent, sentence);
  assert.ok(!isVisible(one(card(root, 't_long'), 'error-banner')));
});

test('the core’s lastError shows in the global banner until dismissed', () => {
  const last = { code: 'network', message: 'refused', action: 'refresh' };
  const { root } = draw(model({ view: view({ lastError: last }) }));
  const banner = root.querySelector('[data-testid="error-banner"][data-scope="global"]');
  assert.equal(banner.textContent, "Couldn't refresh: the server is unreachable. Trying again…");
  assert.ok(isVisible(banner));
  const dismissed = draw(model({ view: view({ lastError: last }), ui: ui({ dismissedError: 'refresh|network|refused' }) }));
  assert.ok(!isVisible(dismissed.root.querySelector('[data-testid="error-banner"][data-scope="global"]')));
});

test('connection chip text and state for each connection state', () => {
  assert.equal(connectionText({ state: 'live', lastSyncedAt: NOW }, NOW), 'Live');
  assert.equal(connectionText({ state: 'reconnecting', lastSyncedAt: NOW }, NOW), 'Reconnecting…');
  assert.equal(connectionText({ state: 'offline', lastSyncedAt: NOW - 2 * MIN }, NOW), 'Offline · last synced 2 min ago');
  assert.equal(connectionText({ state: 'offline', lastSyncedAt: null }, NOW), 'Offline · never synced');
  for (const state of ['live', 'reconnecting', 'offline']) {
    const { root } = draw(model({ view: view({ connection: { state, lastSyncedAt: NOW - 2 * MIN } }) }));
    const chip = one(root, 'connection-chip');
    assert.equal(chip.getAttribute('data-state'), state);
    assert.equal(chip.textContent, connectionText({ state, lastSyncedAt: NOW - 2 * MIN }, NOW));
  }
  assert.ok(one(draw(model()).root, 'refresh'));
});

test('the chip’s "ago" advances with the local clock on a tick', () => {
  const m = model({ view: view({ connection: { state: 'offline', lastSyncedAt: NOW } }) });
  const { doc, root } = draw(m);
  assert.equal(one(root, 'connection-chip').textContent, 'Offline · last synced just now');
  renderTick(root, { ...m, now: NOW + 5 * MIN }, doc);
  assert.equal(one(root, 'connection-chip').textContent, 'Offline · last synced 5 min ago');
});

test('a kiosk always shows how fresh it is; a laptop only when it matters', () => {
  assert.ok(isVisible(one(draw(model({ kiosk: true })).root, 'last-synced')));
  assert.ok(!isVisible(one(draw(model()).root, 'last-synced')));
  const rec = draw(model({ view: view({ connection: { state: 'reconnecting', lastSyncedAt: NOW - 2 * MIN } }) }));
  assert.equal(one(rec.root, 'last-synced').textContent, 'synced 2 min ago');
});

test('header shows the family name and the server-corrected clock in its zone', () => {
  const { root } = draw(model({ now: Date.UTC(2025, 0, 1, 9, 59, 50), view: view({ serverOffsetMs: 15_000 }) }));
  assert.equal(one(root, 'family-name').textContent, 'The Parkers');
  assert.equal(one(root, 'clock').textContent, '10:00');
});

test('members: colour, name, balance, weekly stars, chores with Done', () => {
  const { root } = draw(model());
  const cards = byTestId(root, 'member-card');
  assert.deepEqual(cards.map((c) => c.getAttribute('data-member-id')), ['m_1', 'm_2', 'm_3']);
  const ada = cards[0];
  assert.equal(ada.querySelector('.m-name').textContent, 'Ada');
  assert.equal(one(ada, 'member-balance').textContent, '12');
  assert.equal(one(ada, 'member-weekly').textContent, '5');
  const items = byTestId(ada, 'chore-item');
  assert.deepEqual(items.map((i) => [i.getAttribute('data-chore-id'), i.getAttribute('data-done')]), [['c_1', 'true'], ['c_2', 'false']]);
  assert.equal(byTestId(items[0], 'chore-done').length, 0, 'a done chore has no Done button');
  const done = one(items[1], 'chore-done');
  assert.equal(done.getAttribute('data-chore-id'), 'c_2');
  assert.equal(done.getAttribute('data-member-id'), 'm_1');
  assert.equal(done.textContent, 'Done');
  const ben = cards[1];
  assert.equal(ben.querySelector('.chore-done-mark').textContent, 'Done by Ada');
  assert.ok(isVisible(cards[2].querySelector('.empty-inline')), 'Cleo: "No chores today."');
});

test('a chore for any child shows on every card, and each child does their own', () => {
  const anyone = { id: 'c_any', memberId: null, label: 'Water the plants', stars: 2, done: [] };
  let { root } = draw(model({ view: view({ chores: [anyone] }) }));
  for (const c of byTestId(root, 'member-card')) {
    const done = one(c, 'chore-done');
    assert.equal(done.getAttribute('data-chore-id'), 'c_any');
    assert.equal(done.getAttribute('data-member-id'), c.getAttribute('data-member-id'));
  }
  ({ root } = draw(model({ view: view({ chores: [{ ...anyone, done: [done('m_2', 'cmp_1', NOW)] }] }) })));
  const states = byTestId(root, 'member-card').map((c) => one(c, 'chore-item').getAttribute('data-done'));
  assert.deepEqual(states, ['false', 'true', 'false'], 'Ben did his; Ada and Cleo still can');
  assert.equal(byTestId(root, 'member-card')[1].querySelector('.chore-done-mark').textContent, 'Done');
});

test('the board shows the chores due today; a done one can be undone on its child\'s card', () => {
  const chores = [
    { id: 'c_due', memberId: 'm_1', label: 'Bins', stars: 1, days: [1, 4], dueToday: true, done: [done('m_1', 'cmp_1', NOW - 5_000, 'approved', true)] },
    { id: 'c_not', memberId: 'm_1', label: 'Laundry', stars: 1, days: [6], dueToday: false, done: [] },
  ];
  let { root } = draw(model({ view: view({ chores }) }));
  const ada = byTestId(root, 'member-card')[0];
  assert.deepEqual(byTestId(ada, 'chore-item').map((i) => i.getAttribute('data-chore-id')), ['c_due']);
  const undo = one(ada, 'chore-undo');
  assert.equal(undo.getAttribute('data-completion-id'), 'cmp_1');
  // A kitchen screen: only in the first seconds.
  ({ root } = draw(model({ view: view({ chores, role: 'kiosk' }) })));
  assert.ok(one(root, 'chore-undo'), 'within the window');
  ({ root } = draw(model({ now: NOW + 6_000, view: view({ chores, role: 'kiosk' }) })));
  assert.equal(byTestId(root, 'chore-undo').length, 0, 'past the window');
  // Marked done on another screen: not this kitchen screen's to undo.
  const elsewhere = [{ ...chores[0], done: [done('m_1', 'cmp_1', NOW - 1_000)] }];
  ({ root } = draw(model({ view: view({ chores: elsewhere, role: 'kiosk' }) })));
  assert.equal(byTestId(root, 'chore-undo').length, 0, 'another screen’s');
});

test('completing a chore swaps its Done button for a mark in place', () => {
  const { doc, root } = draw(model());
  const item = root.querySelector('[data-testid="chore-item"][data-chore-id="c_2"]');
  const v = view();
  v.chores[1] = { ...v.chores[1], done: [done('m_1', 'cmp_2', NOW)] };
  render(root, model({ view: v }));
  assert.equal(root.querySelector('[data-testid="chore-item"][data-chore-id="c_2"]'), item);
  assert.equal(item.getAttribute('data-done'), 'true');
  assert.equal(byTestId(item, 'chore-done').length, 0);
});

test('parent role: +/− stars without PIN; the dialog has no PIN pad', () => {
  const { root } = draw(model({ ui: ui({ dialog: { kind: 'stars', memberId: 'm_1', sign: 1, amount: 2, reason: 'Kindness', pin: '' } }) }));
  const add = root.querySelector('[data-testid="stars-add"][data-member-id="m_1"]');
  assert.equal(add.getAttribute('aria-label'), 'Add stars for Ada');
  assert.equal(one(root, 'stars-remove').getAttribute('aria-label'), 'Remove stars from Ada');
  const dialog = one(root, 'stars-dialog');
  assert.ok(isVisible(dialog));
  assert.ok(!isVisible(one(root, 'pin-pad')));
  assert.equal(one(root, 'stars-submit').textContent, 'Add 2 stars');
  assert.ok(!one(root, 'stars-submit').hasAttribute('disabled'));
  assert.equal(root.querySelector('[data-reason="Kindness"]').getAttribute('aria-pressed'), 'true');
});

test('kiosk role: stars and Confirm need the parent PIN, typed on the pad', () => {
  const kioskView = view({ role: 'kiosk' });
  const base = { view: kioskView, kiosk: true, session: session({ kiosk: true }) };
  let { root } = draw(model({ ...base, ui: ui({ dialog: { kind: 'stars', memberId: 'm_1', sign: -1, amount: 1, reason: 'Unkind words', pin: '12' } }) }));
  assert.equal(root.querySelector('[data-testid="stars-add"][data-member-id="m_1"]').getAttribute('aria-label'), 'Add stars for Ada (parent PIN)');
  assert.ok(isVisible(one(root, 'pin-pad')));
  assert.equal(byTestId(root, 'pin-digit').length, 10);
  assert.equal(one(root, 'pin-display').textContent, '●●○○');
  assert.ok(one(root, 'stars-submit').hasAttribute('disabled'), 'PIN too short');
  assert.equal(one(root, 'stars-submit').textContent, 'Remove 1 star');
  ({ root } = draw(model({ ...base, ui: ui({ dialog: { kind: 'pin', timerId: 't_exp', pin: '1234' } }) })));
  assert.ok(isVisible(one(root, 'pin-dialog')));
  assert.equal(one(root, 'pin-submit').textContent, 'Confirm +★3');
  assert.ok(!one(root, 'pin-submit').hasAttribute('disabled'));
  assert.match(one(card(root, 't_exp'), 'timer-confirm').getAttribute('aria-label'), /parent PIN/);
  assert.ok(!isVisible(one(root, 'sign-out')), 'no sign-out on the kitchen screen');
});

test('parent role has sign out and no PIN labels', () => {
  const { root } = draw(model());
  assert.ok(isVisible(one(root, 'sign-out')));
  assert.doesNotMatch(one(card(root, 't_exp'), 'timer-confirm').getAttribute('aria-label'), /PIN/);
});

test('templates: one button per child and template, with ids and an accessible name', () => {
  const { root } = draw(model());
  const buttons = byTestId(root, 'template-start');
  assert.equal(buttons.length, 6);
  const b = root.querySelector('[data-testid="template-start"][data-member-id="m_2"][data-template-id="tp_1"]');
  assert.equal(b.getAttribute('aria-label'), 'Start Reading for Ben: 20 min, 1 star');
  assert.equal(b.querySelector('.tpl-meta').textContent, '20 min · ★1');
  const form = one(root, 'oneoff-form');
  assert.deepEqual(Array.from(form.querySelectorAll('option')).map((o) => [o.getAttribute('value'), o.textContent]), [['m_1', 'Ada'], ['m_2', 'Ben'], ['m_3', 'Cleo']]);
});

test('empty states say what to do', () => {
  const { root } = draw(model({ view: view({ timers: [], templates: [] }) }));
  const empty = one(root, 'timers-empty');
  assert.ok(isVisible(empty));
  assert.equal(empty.textContent, 'No timers running — start one below.');
  assert.ok(isVisible(one(root, 'templates-empty')));
  assert.ok(isVisible(one(root, 'oneoff-form')), 'the one-off form still works without templates');

  const none = draw(model({ view: view({ members: [], timers: [], templates: [], chores: [] }) })).root;
  assert.ok(isVisible(one(none, 'members-empty')));
  assert.ok(isVisible(one(none, 'start-empty')));
  assert.ok(!isVisible(one(none, 'oneoff-form')));
  assert.match(one(none, 'timers-empty').textContent, /Add your children in Settings/);
  const kiosk = draw(model({ kiosk: true, view: view({ role: 'kiosk', members: [], timers: [], templates: [], chores: [] }) })).root;
  assert.match(one(kiosk, 'timers-empty').textContent, /A parent adds the children from their own screen/);
});

test('every button has an accessible name', () => {
  const { root } = draw(model({ ui: ui({ dialog: { kind: 'pin', timerId: 't_exp', pin: '' } }), view: view({ role: 'kiosk' }) }));
  for (const b of root.querySelectorAll('button')) {
    const name = b.getAttribute('aria-label') || b.textContent.trim();
    assert.ok(name && !/^[✕←−+]$/.test(name), `button without a real name: ${b.getAttribute('data-testid')} "${name}"`);
  }
});

test('a timer running out is announced once, not the ones already out on load', () => {
  const { doc, root } = draw(model());
  const announcer = one(root, 'announcer');
  assert.equal(announcer.textContent, '', 'Cleo’s Piano was already expired');
  renderTick(root, model({ now: NOW + 13 * MIN }), doc);
  assert.equal(announcer.textContent, 'Ada’s Homework: time’s up!');
});

test('a missing notification service or keyring is said in words, on the dashboard and the welcome', () => {
  const desktop = {
    notifications: { state: 'unavailable', reason: 'org.freedesktop.DBus.Error.ServiceUnknown.' },
    keyring: { state: 'unavailable', reason: 'the collection is locked' },
  };
  const { root } = draw(model({ desktop }));
  const notices = byTestId(root, 'desktop-notice');
  assert.equal(notices.length, 2);
  assert.equal(notices[0].getAttribute('data-service'), 'notifications');
  assert.match(notices[0].textContent, /no notification service is running\. Timers that run out still show here/);
  assert.equal(notices[0].getAttribute('title'), 'org.freedesktop.DBus.Error.ServiceUnknown.');
  assert.equal(notices[1].getAttribute('data-service'), 'keyring');
  assert.match(notices[1].textContent, /keyring is locked or missing.*sign in again/);
  assert.equal(notices[1].getAttribute('title'), 'the collection is locked');
  assert.ok(isVisible(notices[0]) && isVisible(notices[1]));
  const welcome = draw(model({ desktop, session: session({ signedIn: false }), view: null })).root;
  assert.equal(byTestId(welcome, 'desktop-notice').length, 2);
});

test('working, unknown or unused services show no notice', () => {
  for (const desktop of [
    null,
    { notifications: { state: 'available' }, keyring: { state: 'available' } },
    { notifications: { state: 'unknown' }, keyring: { state: 'notUsed' } },
  ]) {
    const { root } = draw(model({ desktop }));
    assert.equal(byTestId(root, 'desktop-notice').length, 0, JSON.stringify(desktop));
  }
});

test('a parent can open the settings; a kitchen screen never shows them', () => {
  const { root } = draw(model());
  assert.ok(isVisible(one(root, 'settings-open')));
  const kiosk = draw(model({ kiosk: true, view: view({ role: 'kiosk' }) })).root;
  assert.ok(!isVisible(one(kiosk, 'settings-open')));
  // Even with settings asked for, a kitchen screen draws the board.
  const asked = draw(model({ kiosk: true, view: view({ role: 'kiosk' }), ui: ui({ settings: { section: 'children' } }) })).root;
  assert.ok(isVisible(one(asked, 'dashboard')));
  assert.equal(one(asked, 'settings'), undefined);
});

test('the pairing dialog asks for a name, then shows the code, the server and until when it works', () => {
  const asking = draw(model({ ui: ui({ dialog: { kind: 'pair', name: 'Kitchen', pairing: null } }) })).root;
  assert.ok(isVisible(one(asking, 'pair-dialog')));
  assert.ok(isVisible(one(asking, 'pair-name')));
  assert.ok(!isVisible(one(asking, 'pair-code')));
  assert.equal(one(asking, 'pair-create').textContent, 'Make a code');
  const pairing = { code: 'ABCDE-FGHJK', name: 'Kitchen', expiresAt: NOW + 10 * MIN, serverUrl: 'http://192.168.1.20:8080' };
  const made = draw(model({ ui: ui({ dialog: { kind: 'pair', name: 'Kitchen', pairing } }) })).root;
  assert.equal(one(made, 'pair-code').textContent, 'ABCDE-FGHJK');
  assert.match(one(made, 'pair-server-url').textContent, /http:\/\/192\.168\.1\.20:8080/);
  assert.ok(isVisible(one(made, 'pair-code')) && !isVisible(one(made, 'pair-name')));
  assert.equal(one(made, 'pair-create').textContent, 'Done');
});

test('a kiosk’s welcome only pairs: no parent password is typed there', () => {
  const signedOut = { session: session({ signedIn: false, kiosk: true }), view: null };
  const kiosk = draw(model({ ...signedOut, kiosk: true })).root;
  assert.ok(isVisible(one(kiosk, 'pair-form')));
  assert.equal(root(kiosk).querySelectorAll('input[type="password"]').length, 0);
  assert.ok(!one(kiosk, 'way-host') && !one(kiosk, 'way-join'));
  const joining = draw(model({ session: session({ signedIn: false }), view: null, ui: ui({ setup: { way: 'join', joinAs: 'signin' } }) })).root;
  assert.ok(isVisible(one(joining, 'signin-email')) && isVisible(one(joining, 'signin-server')));
  assert.equal(one(joining, 'join-code'), undefined, 'signing in needs no invite code');
});

const root = (r) => r;
const household = (over = {}) => ({ name: 'Kinboard on kitchen-pc', serverUrl: 'http://10.0.0.5:8080', household: 'The Parkers', problem: null, ...over });

test('the households found are listed by name; one that cannot be used says why and cannot be picked', () => {
  const households = [
    household(),
    household({ name: 'Printer', serverUrl: 'http://10.0.0.9:80', household: null, problem: { code: 'not_kinboard', message: 'something answers at http://10.0.0.9:80, but it is not a Kinboard household server' } }),
    household({ name: 'Old', serverUrl: 'http://10.0.0.7:8080', household: null, problem: { code: 'incompatible_server', message: 'Old runs a Kinboard of API 2, which this app (API 1) cannot talk to' } }),
    household({ name: 'Off', serverUrl: 'http://10.0.0.8:8080', household: null, problem: { code: 'network', message: 'the server is unreachable' } }),
  ];
  const setup = { way: 'pair', households, serverUrl: 'http://10.0.0.5:8080' };
  const r = draw(model({ session: session({ signedIn: false }), view: null, ui: ui({ setup }) })).root;
  const rows = byTestId(r, 'household');
  assert.equal(rows.length, 4);
  assert.match(rows[0].textContent, /The Parkers/);
  assert.equal(rows[0].getAttribute('aria-pressed'), 'true', 'the picked one');
  assert.ok(!rows[0].disabled);
  const problems = byTestId(r, 'household-problem').map((p) => p.textContent);
  assert.match(problems[0], /not a Kinboard household server/);
  assert.match(problems[1], /cannot talk to.*Update Kinboard on both/);
  assert.match(problems[2], /nothing answers at that address/);
  assert.ok(rows.slice(1).every((b) => b.disabled));
  assert.equal(one(r, 'pair-server').value, 'http://10.0.0.5:8080');
  const none = draw(model({ session: session({ signedIn: false }), view: null, ui: ui({ setup: { way: 'pair', households: [] } }) })).root;
  assert.match(one(none, 'pair-households').textContent, /No household found on this network/);
});

test('hosting starts from this computer’s time zone and says where it is in the flow', () => {
  const defaults = { timeZone: 'Europe/Madrid', timeZones: ['America/New_York', 'Europe/Madrid', 'UTC'], starters: { chores: [], templates: [] } };
  const r = draw(model({ session: session({ signedIn: false }), view: null, ui: ui({ setup: { way: 'host', step: 'family', defaults } }) })).root;
  assert.equal(one(r, 'host-zone').value, 'Europe/Madrid');
  const current = r.querySelector('[data-testid="host-progress"] [aria-current="step"]');
  assert.equal(current.textContent, 'Family');
  // Once the household exists, the rest of the flow shows instead of the board.
  const withBoard = view({ settings: { parents: [], kiosks: [], invites: [], colors: [{ name: 'tomato', hex: '#e4572e' }, { name: 'teal', hex: '#17bebb' }] } });
  const kids = draw(model({ view: withBoard, ui: ui({ setup: { way: 'host', step: 'children', color: '#17bebb' } }) })).root;
  assert.ok(isVisible(one(kids, 'host-child-form')));
  assert.ok(!one(kids, 'dashboard'));
  assert.deepEqual(byTestId(kids, 'host-child').map((li) => li.textContent), ['Ada', 'Ben', 'Cleo']);
  const pressed = byTestId(kids, 'swatch').filter((b) => b.getAttribute('aria-pressed') === 'true');
  assert.deepEqual(pressed.map((b) => b.getAttribute('aria-label')), ['teal']);
});

function settingsView(over = {}) {
  return view({
    family: { id: 'f_1', name: 'The Parkers', timeZone: 'Europe/Madrid', hasPin: true },
    settings: {
      parents: [{ id: 'u_1', name: 'Ana', joinedAt: NOW - 86_400_000, you: true }, { id: 'u_2', name: 'Ben', joinedAt: NOW - MIN, you: false }],
      kiosks: [{ id: 'k_1', name: 'Kitchen', pairedAt: NOW - 3_600_000, lastSeenAt: NOW - 5 * MIN }, { id: 'k_2', name: 'Hall', pairedAt: NOW - MIN, lastSeenAt: null }],
      invites: [{ id: 'i_1', madeBy: 'Ben', createdAt: NOW - 2 * MIN, expiresAt: NOW + 86_400_000 }],
      colors: [{ name: 'tomato', hex: '#e4572e' }, { name: 'teal', hex: '#17bebb' }],
    },
    ...over,
  });
}
const settingsModel = (section, over = {}) => model({ view: settingsView(), ui: ui({ settings: { section, ...over } }) });

test('the settings show what the view holds, section by section', () => {
  const children = draw(settingsModel('children')).root;
  assert.equal(one(children, 'settings').getAttribute('data-section'), 'children');
  assert.equal(byTestId(children, 'settings-child').length, 3);
  assert.equal(one(children, 'settings-nav-children').getAttribute('aria-current'), 'page');

  const chores = draw(settingsModel('chores')).root;
  const rows = byTestId(chores, 'settings-chore').map((r) => r.textContent);
  assert.match(rows[0], /Feed the cat.*1 star.*Ada/);
  const options = Array.from(one(chores, 'settings-chore-member').querySelectorAll('option')).map((o) => o.textContent);
  assert.deepEqual(options, ['Any child', 'Ada', 'Ben', 'Cleo']);

  const pin = draw(settingsModel('pin')).root;
  assert.ok(isVisible(one(pin, 'settings-pin-current')) && isVisible(one(pin, 'settings-pin-password')), 'a set PIN is changed with the current one or the password');
  const noPin = draw(model({ view: settingsView({ family: { id: 'f_1', name: 'P', timeZone: 'UTC', hasPin: false } }), ui: ui({ settings: { section: 'pin' } }) })).root;
  assert.equal(one(noPin, 'settings-pin-current'), undefined);
  assert.match(one(noPin, 'settings-pin-state').textContent, /No PIN yet/);

  const parents = draw(settingsModel('parents')).root;
  const [you, ben] = byTestId(parents, 'settings-parent');
  assert.match(you.textContent, /Ana \(you\)/);
  assert.equal(you.querySelector('[data-testid="settings-parent-remove"]'), null, 'one does not remove oneself here');
  assert.ok(ben.querySelector('[data-testid="settings-parent-remove"]'));
  assert.match(one(parents, 'settings-invite-row').textContent, /Made by Ben/);

  const screens = draw(settingsModel('screens')).root;
  const seen = byTestId(screens, 'settings-kiosk-seen').map((s) => s.textContent);
  assert.match(seen[0], /last seen 5 min ago/);
  assert.match(seen[1], /not seen yet/);
});

test('removing asks first, in place, and an edit form keeps the row’s values', () => {
  const r = draw(settingsModel('parents', { confirm: { kind: 'parent', id: 'u_2' } })).root;
  const confirm = one(r, 'settings-confirm');
  assert.match(confirm.textContent, /Remove Ben\? This family leaves their screens, and their invites and pairing codes stop working/);
  assert.equal(one(r, 'settings-confirm-yes').getAttribute('data-id'), 'u_2');
  const edit = draw(settingsModel('chores', { editing: { kind: 'chore', id: 'c_1' } })).root;
  assert.equal(one(edit, 'settings-chore-edit-title').value, 'Feed the cat');
  assert.equal(one(edit, 'settings-chore-edit-member').value, 'm_1');
  const child = draw(settingsModel('children', { editing: { kind: 'child', id: 'm_1', color: '#17bebb' } })).root;
  const picked = byTestId(child, 'swatch').filter((b) => b.closest('[data-testid="settings-child-edit-colors"]') && b.getAttribute('aria-pressed') === 'true');
  assert.deepEqual(picked.map((b) => b.getAttribute('aria-label')), ['teal']);
});

test('a locked PIN is told on the board until it opens: where on a parent screen, when on a kiosk', () => {
  const locked = (role, over = {}) => view({
    role, family: { id: 'f_1', name: 'The Parkers', timeZone: 'UTC', pinLockedUntil: NOW + 5 * MIN, pinLockedOn: 'Kitchen', ...over },
  });
  const parent = draw(model({ view: locked('parent') }));
  const notice = one(parent.root, 'pin-lock');
  assert.ok(isVisible(notice));
  assert.match(notice.textContent, /typed wrong too often on Kitchen/);
  assert.match(notice.textContent, /locked until \d\d:\d\d/);
  const kiosk = draw(model({ kiosk: true, view: locked('kiosk') }));
  assert.match(one(kiosk.root, 'pin-lock').textContent, /Too many wrong PINs\. The PIN works again at \d\d:\d\d/);
  // Once the time has passed (server time, the offset counted), it is gone.
  const later = draw(model({ now: NOW + 6 * MIN, view: locked('parent') }));
  assert.ok(!isVisible(one(later.root, 'pin-lock')));
  const behind = draw(model({ view: { ...locked('parent'), serverOffsetMs: 6 * MIN } }));
  assert.ok(!isVisible(one(behind.root, 'pin-lock')));
  const never = draw(model());
  assert.ok(!isVisible(one(never.root, 'pin-lock')));
});
