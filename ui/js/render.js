// render.js — view → DOM, and nothing else. Each part of the page is one
// component: a function from the model to a description of its elements
// (dom.js's `h`), rendered the same way the first time and every time
// after by `patch`, which keeps nodes by key and writes only what
// changed. It never calls the shell and registers no listeners: buttons
// carry `data-action` and ids, and app.js handles clicks by delegation.
//
// Model: {
//   session: SessionView | null  (null = loading)
//   view:    DashboardView | null
//   desktop: DesktopStatus | null
//   now:     local ms since epoch
//   kiosk:   bool (kitchen-screen layout)
//   ui: { pending: Set<string>, errors: {[scope]: sentence}, confirmCancel: timerId|null,
//         dialog: null | {kind:'stars', memberId, sign, amount, reason, pin}
//                      | {kind:'pin', action:'confirm'|'cancel', timerId, pin}
//                      | {kind:'pair', name, pairing}
//                      | {kind:'redeem', memberId, rewardId, pin}
//                      | {kind:'history', memberId, history: StarsResponse|null, saved},
//         dismissedError: string|null }
// }

import { h, patch } from './dom.js';
import { displayState, orderTimers, remainingFraction, remainingMs } from './countdown.js';
import {
  describeCountdown, formatAgo, formatClock, formatCountdown, formatLastSynced,
  formatMinutes, formatStars, starsLabel,
} from './format.js';
import { errorSentence } from './errors.js';
import { AFTER_HOSTING, HostStep, Welcome } from './setup.js';
import { Settings } from './settings.js';
import { ErrorSlot, Field, busy, isPending, possessive } from './parts.js';
import { HistoryContents, MemberRedemptions, PendingList, RecentStars, RedeemContents, undoOpen } from './stars.js';
import { NightVeil } from './night.js';
import { SoundContents } from './sound.js';

export const PIN_MIN = 4;
export const PIN_MAX = 8;
export const EXTEND_SECONDS = 300;

const FALLBACK_COLOURS = ['#3a86ff', '#e4572e', '#2a9d8f', '#8338ec', '#f4a261', '#d62872'];
const ADD_REASONS = ['Helped out', 'Kindness', 'Great effort', 'Tidied up'];
const REMOVE_REASONS = ['Not listening', 'Unkind words', 'Broke a rule'];

// ---------------------------------------------------------------- helpers

/** A member's colour as a safe CSS value (it goes into a style attribute). */
export function accentOf(member, index = 0) {
  const c = member && typeof member.color === 'string' ? member.color.trim() : '';
  if (/^#[0-9a-fA-F]{3,8}$/.test(c)) return c;
  return FALLBACK_COLOURS[Math.abs(index) % FALLBACK_COLOURS.length];
}

function memberIndex(view) {
  const map = new Map();
  (view?.members || []).forEach((m, i) => map.set(m.id, { member: m, accent: accentOf(m, i) }));
  return map;
}



/** Which screen shows: loading, the welcome (nobody signed in, or a
 *  kitchen screen to pair), the rest of the hosting flow once the
 *  household exists, a parent's settings, or the dashboard. */
export function screenOf(model) {
  if (!model.session) return 'loading';
  const setup = model.ui?.setup;
  const hosting = setup?.way === 'host' && AFTER_HOSTING.has(setup.step);
  if (!model.session.signedIn) return 'welcome';
  // Signed in while the household is still being made: its account step stays.
  if (setup?.way === 'host' && setup.hosting) return 'setup';
  if (!model.view) return 'loading';
  if (hosting && model.view.role === 'parent') return 'setup';
  if (model.ui?.settings && !model.kiosk && model.view.role === 'parent') return 'settings';
  return 'dashboard';
}

/** Does this action need the parent PIN? Only on a kiosk (role from the view). */
export function needsPin(view) {
  return view?.role === 'kiosk';
}

// ---------------------------------------------------------------- root

/** Renders the whole page into `root`. */
export function render(root, model) {
  const screen = screenOf(model);
  if (root.getAttribute('data-screen') !== screen) root.setAttribute('data-screen', screen);
  patch(root, [
    DesktopNotices(screen === 'loading' ? null : model.desktop),
    screen === 'loading' && Loading(model),
    screen === 'welcome' && Welcome(model),
    screen === 'setup' && h('div', { key: 'setup', class: 'welcome', 'data-testid': 'setup' }, HostStep(model)),
    screen === 'settings' && Settings(model),
    screen === 'dashboard' && Dashboard(model),
    // Quitting is asked wherever the page is.
    Dialog(screen === 'dashboard' || screen === 'settings' || model.ui?.dialog?.kind === 'quit' ? model.ui?.dialog : null, model),
    NightVeil(screen === 'dashboard' && Boolean(model.ui?.night?.asleep)),
    Announcer(root, model, screen),
  ]);
}

/** The every-second pass: the same render (nodes are kept, only what
 *  changed is written). */
export const renderTick = render;

function Loading(model) {
  const loadError = model.ui?.errors?.load;
  return h('div', { key: 'loading', class: 'loading', 'data-testid': 'loading' },
    h('p', { class: 'loading-text', role: 'status' }, 'Loading the family board…'),
    ErrorSlot('load', loadError),
    h('button', {
      type: 'button', class: 'btn btn-primary', 'data-action': 'retry-load', 'data-testid': 'retry-load', hidden: !loadError,
    }, 'Try again'));
}

// ---------------------------------------------------------------- dashboard

function Dashboard(model) {
  return h('div', { key: 'dashboard', class: 'dashboard', 'data-testid': 'dashboard' },
    Header(model),
    PinLockNotice(model),
    GlobalError(model),
    h('main', { class: 'board' },
      h('div', { class: 'board-main' }, Timers(model), Start(model)),
      Members(model)));
}

/** Text of the connection chip for a connection state. */
export function connectionText(connection, now) {
  const state = connection?.state || 'offline';
  if (state === 'live') return 'Live';
  if (state === 'reconnecting') return 'Reconnecting…';
  const ago = Number.isFinite(connection?.lastSyncedAt)
    ? formatLastSynced(connection.lastSyncedAt, now) : 'never synced';
  return `Offline · ${ago}`;
}

/** A parent in several families picks the one shown. */
function FamilySwitch(model) {
  const families = model.session?.families || [];
  if (families.length < 2 || model.kiosk) return null;
  return h('label', { class: 'family-switch' },
    h('span', { class: 'sr-only' }, 'Family shown'),
    h('select', { 'data-change': 'switch-family', 'data-testid': 'family-switch', value: model.session.familyId || '' },
      families.map((f) => h('option', { key: f.id, value: f.id }, f.name))));
}

function Header(model) {
  const { view, now } = model;
  const offset = Number.isFinite(view.serverOffsetMs) ? view.serverOffsetMs : 0;
  const mode = model.session?.mode;
  const conn = view.connection || { state: 'offline', lastSyncedAt: null };
  const state = ['live', 'reconnecting', 'offline'].includes(conn.state) ? conn.state : 'offline';
  // A kitchen screen always says how fresh it is; so does any reconnecting one.
  const showSynced = state === 'reconnecting' || (model.kiosk && state === 'live');
  const synced = Number.isFinite(conn.lastSyncedAt) ? `synced ${formatAgo(conn.lastSyncedAt, now)}` : 'not synced yet';
  const kioskLike = model.kiosk || view.role === 'kiosk';
  return h('header', { class: 'topbar' },
    h('div', { class: 'topbar-left' },
      h('h1', { class: 'family-name', 'data-testid': 'family-name' }, view.family?.name || 'Kinboard'),
      FamilySwitch(model),
      h('span', { class: 'mode-badge', hidden: mode !== 'demo' && view.role !== 'kiosk' }, mode === 'demo' ? 'Demo' : 'Kitchen screen')),
    h('div', { class: 'topbar-right' },
      h('span', { class: `chip chip-${state}`, 'data-testid': 'connection-chip', 'data-state': state, role: 'status' },
        h('span', { class: 'chip-icon', 'aria-hidden': 'true' }),
        h('span', { class: 'chip-text' }, connectionText(conn, now))),
      h('span', { class: 'last-synced', 'data-testid': 'last-synced', hidden: !showSynced }, showSynced ? synced : ''),
      h('button', {
        type: 'button', class: 'btn btn-quiet', 'data-testid': 'refresh', 'data-action': 'refresh', 'aria-label': 'Refresh the board now',
        ...busy(isPending(model, 'refresh')),
      }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '↻'), h('span', { class: 'btn-text' }, 'Refresh')),
      h('time', { class: 'clock', 'data-testid': 'clock' }, formatClock(now + offset, view.family?.timeZone)),
      h('button', {
        type: 'button', class: 'btn btn-quiet', 'data-testid': 'sound-open', 'data-action': 'sound-open',
        'data-muted': model.sound?.muted ? 'true' : 'false', 'aria-label': model.sound?.muted ? 'Sound (muted)' : 'Sound',
      }, SpeakerIcon(Boolean(model.sound?.muted))),
      h('button', {
        type: 'button', class: 'btn btn-quiet', 'data-testid': 'settings-open', 'data-action': 'settings-open',
        'aria-label': 'Family settings', hidden: kioskLike || view.role !== 'parent',
      }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚙'), h('span', { class: 'btn-text' }, 'Settings')),
      h('button', { type: 'button', class: 'btn btn-quiet', 'data-testid': 'sign-out', 'data-action': 'sign-out', hidden: kioskLike }, 'Sign out')));
}

/** A speaker, with waves or crossed out (drawn: no emoji font needed). */
function SpeakerIcon(muted) {
  const line = { fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round' };
  return h('svg', { class: 'icon icon-speaker', viewBox: '0 0 24 24', width: '22', height: '22', 'aria-hidden': 'true' },
    h('path', { d: 'M3 9.5v5h4l5 4v-13l-5 4H3z', fill: 'currentColor' }),
    muted
      ? h('path', { d: 'M16 9.5l5 5M21 9.5l-5 5', ...line })
      : h('path', { d: 'M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11', ...line }));
}

/** One sentence per desktop service that does not work, for the person at
 *  the screen: what is missing and what it means for them. The service's
 *  own words (`detail`) are for a tooltip, not the sentence. */
export function desktopNotices(desktop) {
  const notices = [];
  const n = desktop?.notifications;
  if (n?.state === 'unavailable') {
    notices.push({
      service: 'notifications',
      text: 'Desktop notifications are off: no notification service is running. Timers that run out still show here.',
      detail: n.reason || '',
    });
  }
  const k = desktop?.keyring;
  if (k?.state === 'unavailable') {
    notices.push({
      service: 'keyring',
      text: 'The keyring is locked or missing, so Kinboard keeps your sign-in only until it closes. Next time it will ask you to sign in again.',
      detail: k.reason || '',
    });
  }
  return notices;
}

function DesktopNotices(desktop) {
  const notices = desktopNotices(desktop);
  return h('div', { key: 'notices', class: 'desktop-notices', role: 'status', hidden: notices.length === 0 },
    notices.map((x) => h('p', {
      key: x.service, class: 'desktop-notice', 'data-testid': 'desktop-notice', 'data-service': x.service, title: x.detail || null,
    }, x.text)));
}

/** Identity of a core error, so "dismiss" hides this one but not the next. */
export function lastErrorKey(err) {
  if (!err) return null;
  return `${err.action || ''}|${err.code || ''}|${err.message || ''}`;
}

/** The sentence for a locked PIN (wrong PINs used up a round), or '' when
 *  the PIN is not locked at server time `serverNow`. Parents hear where the
 *  guesses came from: someone may be trying to get past the kitchen screen. */
export function pinLockText(view, serverNow) {
  const until = view?.family?.pinLockedUntil;
  if (!Number.isFinite(until) || until <= serverNow) return '';
  const at = formatClock(until, view.family.timeZone);
  if (view.role === 'kiosk') return `Too many wrong PINs. The PIN works again at ${at}.`;
  const where = view.family.pinLockedOn ? ` on ${view.family.pinLockedOn}` : '';
  return `The parent PIN was typed wrong too often${where}. It is locked until ${at}; setting a new PIN in Settings with your password unlocks it now.`;
}

function PinLockNotice(model) {
  const text = pinLockText(model.view, model.now + (model.view?.serverOffsetMs || 0));
  return h('p', {
    key: 'pin-lock', class: 'pin-lock-notice', role: 'status', 'data-testid': 'pin-lock', hidden: !text,
  }, text);
}

function GlobalError(model) {
  const ui = model.ui || {};
  const last = model.view?.lastError;
  let sentence = ui.errors?.global || '';
  if (!sentence && last && lastErrorKey(last) !== ui.dismissedError) {
    sentence = errorSentence(last, last.action);
  }
  return h('div', { class: 'global-error', role: 'alert', hidden: !sentence },
    h('p', { class: 'inline-error', 'data-testid': 'error-banner', 'data-scope': 'global' }, sentence),
    h('button', {
      type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'dismiss-error', 'data-testid': 'error-dismiss', 'aria-label': 'Dismiss this message',
    }, '✕'));
}

// ---------------------------------------------------------------- timers

function Timers(model) {
  const { view, now } = model;
  const offset = view.serverOffsetMs;
  const members = memberIndex(view);
  const timers = orderTimers(view.timers, offset, now);
  const emptyText = (view.members || []).length
    ? 'No timers running — start one below.'
    : (view.role === 'parent' ? 'No timers yet. Add your children in Settings, then start a timer here.'
      : 'No timers yet. A parent adds the children from their own screen.');
  return h('section', { class: 'panel timers-area', 'aria-labelledby': 'timers-title' },
    h('h2', { class: 'panel-title', id: 'timers-title' },
      h('span', null, 'Timers'),
      h('span', { class: 'count', 'aria-hidden': 'true' }, timers.length ? String(timers.length) : '')),
    h('div', { class: 'timer-grid', 'data-testid': 'timer-list', role: 'list' },
      timers.map((t) => TimerCard(t, model, members.get(t.memberId)))),
    h('div', { class: 'empty', 'data-testid': 'timers-empty', hidden: timers.length > 0 },
      h('p', { class: 'empty-text' }, emptyText)));
}

/** The words on a card's status line for a display state. */
export function statusText(state, timer, timeZone) {
  if (state === 'expired') return 'Time’s up!';
  if (state === 'paused') return 'Paused';
  if (Number.isFinite(timer.endsAt)) return `Ends ${formatClock(timer.endsAt, timeZone)}`;
  return 'Running';
}

/** The card's one primary button: its job follows the state, so focus
 *  survives a pause. */
function primaryButton(t, state, what, stars, model) {
  const kioskPin = needsPin(model.view);
  const base = { type: 'button', 'data-timer-id': t.id };
  if (state === 'expired') {
    return h('button', {
      ...base, class: 'btn btn-primary tc-primary', 'data-testid': 'timer-confirm', 'data-action': 'confirm',
      'aria-label': `Confirm ${what}${stars > 0 ? ` and award ${starsLabel(stars)}` : ''}${kioskPin ? ' (parent PIN)' : ''}`,
      ...busy(isPending(model, `confirm:${t.id}`)),
    }, stars > 0 ? `Confirm +★${stars}` : 'Confirm');
  }
  if (state === 'paused') {
    return h('button', {
      ...base, class: 'btn btn-primary tc-primary', 'data-testid': 'timer-resume', 'data-action': 'resume',
      'aria-label': `Resume ${what}`, ...busy(isPending(model, `resume:${t.id}`)),
    }, '▶ Resume');
  }
  return h('button', {
    ...base, class: 'btn tc-primary', 'data-testid': 'timer-pause', 'data-action': 'pause',
    'aria-label': `Pause ${what}`, ...busy(isPending(model, `pause:${t.id}`)),
  }, '❚❚ Pause');
}

function TimerCard(t, model, who) {
  const { view, now, ui = {} } = model;
  const offset = view.serverOffsetMs;
  const state = displayState(t, offset, now);
  const left = remainingMs(t, offset, now);
  const name = who?.member?.name || 'Someone';
  const stars = Number.isFinite(t.stars) ? t.stars : 0;
  const what = `${possessive(name)} ${t.label}`;
  const text = formatCountdown(left);
  const confirming = ui.confirmCancel === t.id;
  const described = state === 'expired' ? 'time’s up' : state === 'paused' ? `paused, ${describeCountdown(left)}` : describeCountdown(left);
  return h('article', {
    key: t.id, class: `timer-card is-${state}`, 'data-testid': 'timer-card', role: 'listitem',
    'data-timer-id': t.id, 'data-state': state, 'data-member-id': t.memberId,
    style: `--accent: ${who?.accent || '#888888'}`, 'aria-label': `${what}: ${described}`,
  },
  h('div', { class: 'tc-head' },
    h('span', { class: 'tc-who' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'tc-name' }, name)),
    h('span', { class: 'tc-stars', 'aria-label': stars > 0 ? `${starsLabel(stars)} at stake` : 'No stars at stake' },
      stars > 0 ? formatStars(stars) : 'No stars'),
    h('button', {
      type: 'button', class: 'btn btn-quiet tc-cancel', 'data-testid': 'timer-cancel', 'data-action': 'cancel',
      'data-timer-id': t.id, 'aria-label': `Cancel ${what}`,
    }, h('span', { 'aria-hidden': 'true' }, '✕'))),
  h('div', { class: 'tc-titleline' },
    h('h3', { class: 'tc-label' }, t.label || 'Timer'),
    h('span', { class: 'tc-status' }, statusText(state, t, view.family?.timeZone))),
  // h:mm:ss steps down a size to fit.
  h('div', {
    class: 'tc-countdown', 'data-testid': 'timer-countdown', role: 'timer', 'data-long': text.length > 5,
    'aria-label': state === 'expired' ? 'Time’s up' : describeCountdown(left),
  }, text),
  h('div', { class: 'tc-bar', 'aria-hidden': 'true' },
    h('div', { class: 'tc-bar-fill', style: `transform: scaleX(${remainingFraction(t, offset, now).toFixed(4)})` })),
  h('div', { class: 'tc-actions', hidden: confirming },
    primaryButton(t, state, what, stars, model),
    h('button', {
      type: 'button', class: 'btn tc-extend', 'data-testid': 'timer-extend', 'data-action': 'extend',
      'data-timer-id': t.id, 'aria-label': `Add 5 minutes to ${what}`, ...busy(isPending(model, `extend:${t.id}`)),
    }, '+5 min')),
  h('div', { class: 'tc-confirm', role: 'group', hidden: !confirming },
    h('p', { class: 'tc-confirm-text' }, `Cancel ${what}?${stars > 0 ? ' No stars will be given.' : ''}`),
    h('div', { class: 'tc-confirm-buttons' },
      h('button', {
        type: 'button', class: 'btn', 'data-testid': 'timer-cancel-keep', 'data-action': 'cancel-keep',
        'data-timer-id': t.id, 'aria-label': `Don’t cancel ${what}`,
      }, 'Keep it'),
      h('button', {
        type: 'button', class: 'btn btn-danger', 'data-testid': 'timer-cancel-confirm', 'data-action': 'cancel-yes',
        'data-timer-id': t.id, 'aria-label': `Yes, cancel ${what}${needsPin(view) ? ' (parent PIN)' : ''}`,
        ...busy(isPending(model, `cancel:${t.id}`)),
      }, 'Cancel it'))),
  ErrorSlot(`timer:${t.id}`, ui.errors?.[`timer:${t.id}`]));
}

/** Says "Cleo’s Piano practice: time’s up!" to screen readers when it
 *  happens (not for timers already out on the first paint). */
const announced = new WeakMap();

function Announcer(root, model, screen) {
  const previous = announced.get(root);
  let text = previous?.text || '';
  if (screen === 'dashboard') {
    const { view, now } = model;
    const members = memberIndex(view);
    const timers = orderTimers(view.timers, view.serverOffsetMs, now);
    const expired = new Set(timers.filter((t) => displayState(t, view.serverOffsetMs, now) === 'expired').map((t) => t.id));
    if (previous?.expired) {
      const fresh = timers.filter((t) => expired.has(t.id) && !previous.expired.has(t.id));
      if (fresh.length) {
        text = fresh.map((t) => `${possessive(members.get(t.memberId)?.member?.name || 'Someone')} ${t.label}: time’s up!`).join(' ');
      }
    }
    announced.set(root, { expired, text });
  }
  return h('div', { key: 'announcer', class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'announcer' }, text);
}

// ---------------------------------------------------------------- start a timer

function Start(model) {
  const { view } = model;
  const members = view.members || [];
  const templates = view.templates || [];
  return h('section', { class: 'panel start-area', 'aria-labelledby': 'start-title' },
    h('h2', { class: 'panel-title', id: 'start-title' }, 'Start a timer'),
    h('p', { class: 'empty-inline muted', 'data-testid': 'start-empty', hidden: members.length > 0 },
      model.view.role === 'parent' ? 'Add your children in Settings to start timers.' : 'A parent adds the children from their own screen.'),
    h('div', { class: 'start-body', hidden: members.length === 0 },
      h('div', { class: 'tpl-rows', 'data-testid': 'template-list' },
        templates.length ? members.map((m, i) => TemplateRow(m, templates, model, accentOf(m, i))) : []),
      h('p', { class: 'empty-inline muted', 'data-testid': 'templates-empty', hidden: templates.length > 0 },
        model.view.role === 'parent' ? 'No timer templates yet — add some in Settings, or use the one-off timer below.'
          : 'No timer templates yet — use the one-off timer below.'),
      OneOffForm(members, model)),
    ErrorSlot('start', model.ui?.errors?.start));
}

function TemplateRow(member, templates, model, accent) {
  return h('div', {
    key: member.id, class: 'tpl-row', role: 'group', 'data-member-id': member.id,
    style: `--accent: ${accent}`, 'aria-label': `Timers for ${member.name}`,
  },
  h('span', { class: 'tpl-who' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'tpl-name' }, member.name)),
  h('div', { class: 'tpl-buttons' }, templates.map((t) => {
    const length = formatMinutes(t.durationSeconds);
    return h('button', {
      key: t.id, type: 'button', class: 'btn tpl-btn', 'data-testid': 'template-start', 'data-action': 'start-template',
      'data-template-id': t.id, 'data-member-id': member.id,
      'aria-label': `Start ${t.label} for ${member.name}: ${length}${t.stars > 0 ? `, ${starsLabel(t.stars)}` : ''}`,
      ...busy(isPending(model, `template:${member.id}:${t.id}`)),
    },
    h('span', { class: 'tpl-label' }, t.label),
    h('span', { class: 'tpl-meta' }, `${length}${t.stars > 0 ? ` · ★${t.stars}` : ''}`));
  })));
}

function OneOffForm(members, model) {
  const number = (name, label, value, max, testid) => h('label', { class: 'field field-num' },
    h('span', { class: 'field-label' }, label),
    h('input', { name, type: 'number', required: true, min: name === 'stars' ? '0' : '1', max, step: '1', defaultValue: value, inputmode: 'numeric', 'data-testid': testid }));
  return h('form', {
    class: 'oneoff', 'data-testid': 'oneoff-form', 'data-form': 'oneoff', 'aria-label': 'Start a one-off timer', novalidate: true,
  },
  h('label', { class: 'field field-grow' }, h('span', { class: 'field-label' }, 'Label'),
    h('input', { name: 'label', type: 'text', required: true, maxlength: '60', placeholder: 'Homework', 'data-testid': 'oneoff-label' })),
  number('minutes', 'Minutes', '15', '600', 'oneoff-minutes'),
  h('label', { class: 'field field-child' }, h('span', { class: 'field-label' }, 'Child'),
    h('select', { name: 'memberId', required: true, 'data-testid': 'oneoff-member' },
      members.map((m) => h('option', { key: m.id, value: m.id }, m.name)))),
  number('stars', 'Stars', '1', '100', 'oneoff-stars'),
  h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'oneoff-submit', ...busy(isPending(model, 'oneoff')) }, 'Start'));
}

// ---------------------------------------------------------------- children

function Members(model) {
  const members = model.view.members || [];
  const names = memberIndex(model.view);
  return h('aside', { class: 'panel children-area', 'aria-labelledby': 'children-title' },
    h('h2', { class: 'panel-title', id: 'children-title' }, 'Children'),
    PendingList(model, names),
    h('div', { class: 'member-list', 'data-testid': 'member-list' },
      members.map((m, i) => MemberCard(m, model, names, accentOf(m, i)))),
    h('div', { class: 'empty', 'data-testid': 'members-empty', hidden: members.length > 0 },
      h('p', { class: 'empty-text' }, model.view.role === 'parent' ? 'No children yet — add them in Settings.'
        : 'No children yet — a parent adds them from their own screen.')));
}

function MemberCard(m, model, names, accent) {
  const { view, ui = {} } = model;
  const pin = needsPin(view);
  // A chore with no child is anyone's: it shows on every child's card.
  // Today's chores only (the family's days); the settings list them all.
  const chores = (view.chores || []).filter((c) => (c.memberId === m.id || c.memberId == null) && c.dueToday !== false);
  const starButton = (testid, action, sign, verb) => h('button', {
    type: 'button', class: 'btn m-star-btn', 'data-testid': testid, 'data-action': action,
    'data-member-id': m.id, 'aria-label': `${verb} ${m.name}${pin ? ' (parent PIN)' : ''}`,
  }, h('span', { 'aria-hidden': 'true' }, sign), h('span', { class: 'pin-tag', 'aria-hidden': 'true' }, pin ? 'PIN' : ''));
  return h('section', {
    key: m.id, class: 'member-card', 'data-testid': 'member-card', 'data-member-id': m.id,
    style: `--accent: ${accent}`, 'aria-label': m.name,
  },
  h('div', { class: 'm-head' },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, (m.name || '?').trim().charAt(0).toUpperCase() || '?'),
    h('h3', { class: 'm-name' }, m.name),
    h('div', { class: 'm-star-actions' },
      starButton('stars-remove', 'stars-remove', '−', 'Remove stars from'),
      starButton('stars-add', 'stars-add', '+', 'Add stars for'))),
  h('div', { class: 'm-stats' },
    h('div', { class: 'm-stat m-balance' },
      h('span', { class: 'm-stat-value' }, h('span', { class: 'star', 'aria-hidden': 'true' }, '★'),
        h('span', { class: 'm-balance-num', 'data-testid': 'member-balance' }, String(Number.isFinite(m.balance) ? m.balance : 0))),
      h('span', { class: 'm-stat-label' }, 'stars')),
    h('div', { class: 'm-stat m-weekly' },
      h('span', { class: 'm-stat-value' },
        h('span', { class: 'm-weekly-num', 'data-testid': 'member-weekly' }, String(Number.isFinite(m.weeklyStars) ? m.weeklyStars : 0))),
      h('span', { class: 'm-stat-label' }, 'this week'))),
  h('ul', { class: 'chores', 'data-testid': 'chore-list' }, chores.map((c) => ChoreItem(c, m, model, names))),
  h('p', { class: 'empty-inline muted', hidden: chores.length > 0 }, 'No chores today.'),
  RecentStars(m, model),
  MemberRedemptions(m, model),
  h('div', { class: 'm-more' },
    h('button', {
      type: 'button', class: 'btn btn-small', 'data-action': 'redeem-open', 'data-member-id': m.id, 'data-testid': 'redeem-open',
      'aria-label': `Spend ${m.name}’s stars on a reward`,
    }, 'Rewards'),
    view.role === 'parent' && h('button', {
      type: 'button', class: 'btn btn-small btn-quiet', 'data-action': 'history-open', 'data-member-id': m.id, 'data-testid': 'history-open',
      'aria-label': `${m.name}’s history`,
    }, 'History')),
  ErrorSlot(`member:${m.id}`, ui.errors?.[`member:${m.id}`]));
}

/** A chore on one child's card: a chore for any child is each child's
 *  own to do, so "done" is this child's completion today; a chore of this
 *  child's may have been done by another ("Done by Ben"). Done, or waiting
 *  for a parent. */
function ChoreItem(c, member, model, names) {
  const done = c.done || [];
  const mine = done.find((d) => d.memberId === member.id) || (c.memberId ? done[0] : undefined);
  const by = mine && mine.memberId !== member.id ? names.get(mine.memberId)?.member?.name : null;
  const waiting = mine?.status === 'pending';
  const parent = model.view?.role === 'parent';
  const state = mine ? (waiting ? 'pending' : 'true') : 'false';
  // Another child's completion of this one's chore is theirs to undo; and
  // where parents approve, one a parent approved is a parent's.
  const decided = model.view?.role === 'kiosk' && model.view?.family?.choreApproval === 'parent' && !waiting;
  const undo = mine && !by && !decided && undoOpen(model, mine.completedAt, mine.mine) && h('button', {
    key: 'undo', type: 'button', class: 'btn btn-quiet chore-undo', 'data-testid': 'chore-undo', 'data-action': 'chore-undo',
    'data-completion-id': mine.completionId, 'data-chore-id': c.id, 'data-member-id': member.id,
    'aria-label': `Undo “${c.label}” for ${member.name}`, ...busy(isPending(model, `chore:${c.id}`)),
  }, 'Undo');
  let slot;
  if (!mine) {
    slot = h('button', {
      key: 'done', type: 'button', class: 'btn btn-primary chore-done', 'data-testid': 'chore-done', 'data-action': 'chore-done',
      'data-chore-id': c.id, 'data-member-id': member.id, 'aria-label': `Mark “${c.label}” done for ${member.name}`,
      ...busy(isPending(model, `chore:${c.id}`)),
    }, 'Done');
  } else if (waiting && parent && !by) {
    slot = [h('button', {
      key: 'approve', type: 'button', class: 'btn btn-primary chore-approve', 'data-testid': 'chore-approve', 'data-action': 'completion-approve',
      'data-completion-id': mine.completionId, 'aria-label': `Approve “${c.label}” for ${member.name}`,
      ...busy(isPending(model, `completion:${mine.completionId}`)),
    }, 'Approve'), undo];
  } else {
    slot = [h('span', { key: 'mark', class: 'chore-done-mark' }, waiting ? 'Waiting for a parent' : by ? `Done by ${by}` : 'Done'),
      undo];
  }
  return h('li', {
    key: c.id, class: `chore-item${mine ? ' is-done' : ''}${waiting ? ' is-pending' : ''}`, 'data-testid': 'chore-item',
    'data-chore-id': c.id, 'data-done': state,
  },
  h('span', { class: 'chore-check', 'aria-hidden': 'true' }, mine ? (waiting ? '…' : '✓') : ''),
  h('span', { class: 'chore-text' },
    h('span', { class: 'chore-label' }, c.label),
    h('span', { class: 'chore-stars', 'aria-label': c.stars > 0 ? starsLabel(c.stars) : null }, c.stars > 0 ? `★${c.stars}` : '')),
  h('span', { class: 'chore-slot' }, slot));
}

// ---------------------------------------------------------------- dialogs

/** The one dialog: a native <dialog>, opened with showModal() (focus kept
 *  inside, Escape, the rest of the page inert), its contents by kind. */
function Dialog(d, model) {
  const testid = d ? ({
    stars: 'stars-dialog', pair: 'pair-dialog', redeem: 'redeem-dialog', history: 'history-dialog',
    sound: 'sound-dialog', quit: 'quit-dialog',
  }[d.kind] || 'pin-dialog') : null;
  const pin = Boolean(d) && !['pair', 'history', 'sound', 'quit'].includes(d.kind) && needsPin(model.view);
  return h('dialog', {
    key: 'dialog', class: `dialog${d ? ` dialog-${d.kind}` : ''}${pin ? ' has-pin' : ''}`,
    'aria-labelledby': 'dialog-title', 'data-testid': testid, 'data-kind': d?.kind || null, modal: Boolean(d),
  }, d ? h('div', { key: d.kind, class: 'dialog-box' }, DialogContents(d, model, pin)) : []);
}

function PinPad(d) {
  const digits = (d.pin || '').length;
  const shown = Math.max(PIN_MIN, digits);
  const key = (k) => {
    if (k === 'clear') return h('button', { type: 'button', class: 'btn pin-key pin-key-fn', 'data-action': 'pin-clear', 'data-testid': 'pin-clear', 'aria-label': 'Clear PIN' }, 'Clear');
    if (k === 'back') return h('button', { type: 'button', class: 'btn pin-key pin-key-fn', 'data-action': 'pin-back', 'data-testid': 'pin-back', 'aria-label': 'Delete last digit' }, '←');
    return h('button', { type: 'button', class: 'btn pin-key', 'data-action': 'pin-digit', 'data-digit': k, 'data-testid': 'pin-digit', 'aria-label': `Digit ${k}` }, k);
  };
  return h('div', { class: 'pin-area' },
    h('p', { class: 'pin-prompt' }, 'Parent PIN'),
    h('div', {
      class: 'pin-dots', 'data-testid': 'pin-display', role: 'status',
      'aria-label': digits === 1 ? '1 digit entered' : `${digits} digits entered`,
    }, '●'.repeat(digits) + '○'.repeat(shown - digits)),
    h('div', { class: 'pin-pad', 'data-testid': 'pin-pad', role: 'group', 'aria-label': 'PIN pad' },
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'].map(key)));
}

function DialogContents(d, model, pin) {
  const view = model.view;
  const waiting = isPending(model, 'dialog');
  const pinOk = !pin || (d.pin || '').length >= PIN_MIN;
  const members = memberIndex(view);
  let title;
  let sub;
  let main = [];
  let submit;
  let cancel = true;
  if (d.kind === 'pair') {
    const made = d.pairing;
    title = made ? `Pair “${made.name}”` : 'Pair a kitchen screen';
    sub = made
      ? 'On the kitchen screen choose “Set this computer up as a kitchen screen”, pick this household (or type the address below) and type this code.'
      : 'Make a one-time code for the kitchen screen. It pairs as a kiosk: the parent PIN guards stars and confirmations.';
    main = made
      ? [h('div', { class: 'pair-result' },
        h('output', { class: 'pair-code', 'data-testid': 'pair-code', 'aria-live': 'polite' }, made.code),
        h('p', { class: 'pair-server', 'data-testid': 'pair-server-url' }, `Server address: ${made.serverUrl}`),
        made.certificateCode && h('p', { class: 'pair-check', 'data-testid': 'pair-check-code' },
          'Check code: ', h('strong', { class: 'check-code' }, made.certificateCode),
          h('span', { class: 'muted' }, ' — the kitchen screen shows it too; trust it there only if they match.')),
        h('p', { class: 'muted' }, `The code works once, until ${formatClock(made.expiresAt, view?.family?.timeZone)}.`))]
      : [Field('Name of the screen', h('input', {
        name: 'pairName', type: 'text', maxlength: '60', 'data-testid': 'pair-name', 'data-input': 'pair-name', value: d.name || '', autofocus: true,
      }))];
    cancel = !made;
    submit = h('button', {
      type: 'button', class: 'btn btn-primary', 'data-action': 'dialog-submit', 'data-testid': 'pair-create',
      disabled: waiting || (!made && !(d.name || '').trim()), 'aria-busy': waiting ? 'true' : null,
    }, made ? 'Done' : waiting ? 'Making a code…' : 'Make a code');
  } else if (d.kind === 'sound') {
    ({ title, sub, main } = SoundContents(model.sound, { pending: isPending(model, 'sound') }));
    cancel = false;
    submit = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'dialog-submit', 'data-testid': 'sound-done' }, 'Done');
  } else if (d.kind === 'quit') {
    title = 'Quit Kinboard?';
    sub = d.hosting
      ? 'This computer hosts the household. If Kinboard quits, the other screens lose their server — timers, chores and stars stop updating there until Kinboard runs here again.'
      : 'Timers will not notify on this computer until Kinboard runs again.';
    submit = h('button', {
      type: 'button', class: 'btn btn-danger', 'data-action': 'dialog-submit', 'data-testid': 'quit-confirm',
      ...busy(waiting),
    }, waiting ? 'Quitting…' : 'Quit');
  } else if (d.kind === 'redeem' || d.kind === 'history') {
    const m = members.get(d.memberId)?.member;
    ({ title, sub, main, submit } = d.kind === 'redeem' ? RedeemContents(d, model, m, pinOk) : HistoryContents(d, model, m));
  } else if (d.kind === 'stars') {
    const m = members.get(d.memberId)?.member;
    const name = m?.name || 'this child';
    const adding = d.sign > 0;
    const amount = Math.max(1, d.amount || 1);
    title = adding ? `Add stars for ${name}` : `Remove stars from ${name}`;
    sub = `${name} has ${starsLabel(m?.balance ?? 0)}.`;
    main = [
      h('div', { class: 'amount-row', role: 'group', 'aria-label': 'How many stars' },
        h('button', { type: 'button', class: 'btn amount-btn', 'data-action': 'amount-dec', 'data-testid': 'stars-amount-dec', 'aria-label': 'One star fewer', disabled: amount <= 1 }, '−'),
        h('output', { class: 'amount', 'data-testid': 'stars-amount', 'aria-live': 'polite' }, String(amount)),
        h('button', { type: 'button', class: 'btn amount-btn', 'data-action': 'amount-inc', 'data-testid': 'stars-amount-inc', 'aria-label': 'One star more' }, '+')),
      h('div', { class: 'reason-chips', role: 'group', 'aria-label': 'Reason' },
        (adding ? ADD_REASONS : REMOVE_REASONS).map((r) => h('button', {
          key: r, type: 'button', class: 'chip-btn', 'data-action': 'reason', 'data-reason': r, 'data-testid': 'stars-reason-chip',
          'aria-pressed': d.reason === r ? 'true' : 'false',
        }, r))),
      h('input', {
        type: 'text', class: 'reason-input', name: 'reason', maxlength: '80', placeholder: 'Reason', 'aria-label': 'Reason',
        'data-testid': 'stars-reason', 'data-input': 'reason', value: d.reason || '',
      }),
    ];
    submit = h('button', {
      type: 'button', class: 'btn btn-primary', 'data-action': 'dialog-submit', 'data-testid': 'stars-submit',
      disabled: waiting || !pinOk || !(d.reason || '').trim(), 'aria-busy': waiting ? 'true' : null,
    }, waiting ? 'Saving…' : `${adding ? 'Add' : 'Remove'} ${starsLabel(amount)}`);
  } else {
    const t = (view.timers || []).find((x) => x.id === d.timerId);
    const name = members.get(t?.memberId)?.member?.name || 'Someone';
    const stars = t?.stars || 0;
    const what = `${possessive(name)} ${t?.label || 'timer'}`;
    if (d.action === 'cancel') {
      title = `Cancel ${what}`;
      sub = `A parent enters the PIN to cancel it${stars > 0 ? '; no stars will be given' : ''}.`;
      submit = h('button', {
        type: 'button', class: 'btn btn-danger', 'data-action': 'dialog-submit', 'data-testid': 'pin-submit',
        disabled: waiting || !pinOk, 'aria-busy': waiting ? 'true' : null,
      }, waiting ? 'Cancelling…' : 'Cancel it');
    } else {
      title = `Confirm ${what}`;
      sub = stars > 0 ? `A parent enters the PIN to give ${name} ${starsLabel(stars)}.` : 'A parent enters the PIN to confirm.';
      submit = h('button', {
        type: 'button', class: 'btn btn-primary', 'data-action': 'dialog-submit', 'data-testid': 'pin-submit',
        disabled: waiting || !pinOk, 'aria-busy': waiting ? 'true' : null,
      }, waiting ? 'Confirming…' : stars > 0 ? `Confirm +★${stars}` : 'Confirm');
    }
  }
  return [
    h('div', { class: 'dialog-body' },
      h('div', { class: 'dialog-main' },
        h('h2', { class: 'dialog-title', id: 'dialog-title' }, title),
        h('p', { class: 'dialog-sub muted' }, sub),
        main),
      pin && PinPad(d)),
    ErrorSlot('dialog', model.ui?.errors?.dialog),
    // Keyed: when Cancel goes (the code is made), Done stays the node it was.
    h('div', { class: 'dialog-actions' },
      cancel && h('button', { key: 'cancel', type: 'button', class: 'btn', 'data-testid': 'dialog-cancel', 'data-action': 'dialog-cancel' },
        // "Cancel" beside "Cancel it" would read as the same thing.
        d.kind === 'history' ? 'Close' : d.action === 'cancel' ? 'Keep it' : d.kind === 'quit' ? 'Keep running' : 'Cancel'),
      { ...submit, props: { ...submit.props, key: 'submit' } }),
  ];
}
