// render.js — view → DOM, and nothing else. Every function takes the model
// (session, DashboardView, local UI state, the local time) and a `document`,
// and builds or patches DOM nodes in place: lists are keyed by id, attributes
// and text are only written when they change, so re-rendering four times a
// second neither rebuilds the page nor steals focus. It uses a small slice of
// the DOM (createElement, set/get/removeAttribute, appendChild, insertBefore,
// removeChild, children, textContent, plain properties) so tests can pass a
// fake document. It never calls the shell and registers no listeners: buttons
// carry `data-action` and ids, and app.js handles clicks by delegation.
//
// Model: {
//   session: {signedIn, serverUrl, email, mode, kiosk} | null  (null = loading)
//   view:    DashboardView | null
//   now:     local ms since epoch
//   kiosk:   bool (kitchen-screen layout)
//   ui: { pending: Set<string>, errors: {[scope]: sentence}, confirmCancel: timerId|null,
//         dialog: null | {kind:'stars', memberId, sign, amount, reason, pin}
//                      | {kind:'pin', timerId, pin},
//         dismissedError: string|null }
// }

import { displayState, orderTimers, remainingFraction, remainingMs } from './countdown.js';
import {
  describeCountdown, formatAgo, formatClock, formatCountdown, formatLastSynced,
  formatMinutes, formatStars, starsLabel,
} from './format.js';
import { errorSentence } from './errors.js';

export const PIN_MIN = 4;
export const PIN_MAX = 8;
export const EXTEND_SECONDS = 300;

const FALLBACK_COLOURS = ['#3a86ff', '#e4572e', '#2a9d8f', '#8338ec', '#f4a261', '#d62872'];
const ADD_REASONS = ['Helped out', 'Kindness', 'Great effort', 'Tidied up'];
const REMOVE_REASONS = ['Not listening', 'Unkind words', 'Broke a rule'];

// Per-node references to the parts a patch needs, so updates never search.
const refs = new WeakMap();

// ---------------------------------------------------------------- helpers

/** Creates an element: attrs (null/false skipped), then children (nodes or text). */
export function el(doc, tag, attrs, ...children) {
  const node = doc.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) setAttr(node, k, v);
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    if (typeof c === 'string') {
      if (children.length === 1) node.textContent = c;
      else node.appendChild(el(doc, 'span', null, c));
    } else node.appendChild(c);
  }
  return node;
}

/** Sets, replaces or removes an attribute, touching the DOM only on change. */
export function setAttr(node, name, value) {
  if (value === null || value === undefined || value === false) {
    if (node.getAttribute(name) !== null) node.removeAttribute(name);
    return;
  }
  const v = value === true ? '' : String(value);
  if (node.getAttribute(name) !== v) node.setAttribute(name, v);
}

export function setText(node, text) {
  const t = String(text);
  if (node.textContent !== t) node.textContent = t;
}

function setHidden(node, hidden) {
  setAttr(node, 'hidden', Boolean(hidden));
}

/** Keyed list patch: reuses nodes by `data-key`, creates the missing, removes
 *  the gone, and moves only nodes that are out of place. */
export function patchList(container, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of Array.from(container.children)) {
    const k = child.getAttribute('data-key');
    if (k !== null) existing.set(k, child);
  }
  const wanted = [];
  for (const item of items) {
    const key = String(keyOf(item));
    let node = existing.get(key);
    if (node) existing.delete(key);
    else {
      node = create(item);
      node.setAttribute('data-key', key);
    }
    update(node, item);
    wanted.push(node);
  }
  for (const node of existing.values()) container.removeChild(node);
  for (let i = 0; i < wanted.length; i++) {
    const at = container.children[i];
    if (at !== wanted[i]) container.insertBefore(wanted[i], at || null);
  }
}

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

function errorSlot(doc, scope) {
  return el(doc, 'p', {
    class: 'inline-error', 'data-testid': 'error-banner', 'data-scope': scope, role: 'alert', hidden: true,
  });
}

function updateErrorSlot(node, sentence) {
  setText(node, sentence || '');
  setHidden(node, !sentence);
}

function isPending(model, key) {
  return Boolean(model.ui?.pending && model.ui.pending.has(key));
}

function setBusy(button, busy) {
  setAttr(button, 'disabled', busy);
  setAttr(button, 'aria-busy', busy ? 'true' : null);
}

const possessive = (name) => (/s$/i.test(name) ? `${name}’` : `${name}’s`);

// ---------------------------------------------------------------- root

/** Renders the whole page into `root`. */
export function render(root, model, doc) {
  const r = skeleton(root, doc);
  const screen = screenOf(model);
  setAttr(root, 'data-screen', screen);
  setHidden(r.loading, screen !== 'loading');
  setHidden(r.welcome, screen !== 'welcome');
  setHidden(r.dashboard, screen !== 'dashboard');
  const loadError = model.ui?.errors?.load;
  updateErrorSlot(r.loadError, screen === 'loading' ? loadError : '');
  setHidden(r.retry, !(screen === 'loading' && loadError));
  renderDesktopNotices(r.notices, screen === 'loading' ? {} : model, doc);
  if (screen === 'welcome') renderWelcome(r.welcome, model, doc);
  if (screen === 'dashboard') {
    renderHeader(r.header, model, doc);
    renderGlobalError(r.globalError, model, doc);
    renderTimers(r.timers, model, doc, r.announcer);
    renderStart(r.start, model, doc);
    renderMembers(r.members, model, doc);
  }
  renderDialog(r.dialog, screen === 'dashboard' ? model : { ...model, ui: { ...model.ui, dialog: null } }, doc);
}

/** The cheap 4-times-a-second pass: clock, connection chip and timer cards. */
export function renderTick(root, model, doc) {
  const r = refs.get(root);
  if (!r || screenOf(model) !== 'dashboard') return;
  renderHeader(r.header, model, doc);
  renderTimers(r.timers, model, doc, r.announcer);
}

export function screenOf(model) {
  if (!model.session) return 'loading';
  if (!model.session.signedIn) return 'welcome';
  return model.view ? 'dashboard' : 'loading';
}

function skeleton(root, doc) {
  let r = refs.get(root);
  if (r) return r;
  const loadError = errorSlot(doc, 'load');
  const retry = el(doc, 'button', { type: 'button', class: 'btn btn-primary', 'data-action': 'retry-load', 'data-testid': 'retry-load', hidden: true }, 'Try again');
  const loading = el(doc, 'div', { class: 'loading', 'data-testid': 'loading' },
    el(doc, 'p', { class: 'loading-text', role: 'status' }, 'Loading the family board…'), loadError, retry);
  const welcome = el(doc, 'div', { class: 'welcome', 'data-testid': 'welcome' });
  const header = el(doc, 'header', { class: 'topbar' });
  const globalError = el(doc, 'div', { class: 'global-error', role: 'alert', hidden: true });
  const timers = el(doc, 'section', { class: 'panel timers-area', 'aria-labelledby': 'timers-title' });
  const start = el(doc, 'section', { class: 'panel start-area', 'aria-labelledby': 'start-title' });
  const members = el(doc, 'aside', { class: 'panel children-area', 'aria-labelledby': 'children-title' });
  const dashboard = el(doc, 'div', { class: 'dashboard', 'data-testid': 'dashboard' },
    header, globalError,
    el(doc, 'main', { class: 'board' }, el(doc, 'div', { class: 'board-main' }, timers, start), members));
  const notices = el(doc, 'div', { class: 'desktop-notices', role: 'status', hidden: true });
  const dialog = el(doc, 'div', { class: 'overlay', hidden: true });
  // Says "Cleo’s Piano practice: time’s up!" to screen readers when it happens.
  const announcer = el(doc, 'div', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'announcer' });
  root.appendChild(notices);
  root.appendChild(loading);
  root.appendChild(welcome);
  root.appendChild(dashboard);
  root.appendChild(dialog);
  root.appendChild(announcer);
  r = { announcer, notices, loading, loadError, retry, welcome, dashboard, header, globalError, timers, start, members, dialog };
  refs.set(root, r);
  return r;
}

// ---------------------------------------------------------------- welcome

function field(doc, label, attrs) {
  return el(doc, 'label', { class: 'field' },
    el(doc, 'span', { class: 'field-label' }, label),
    el(doc, 'input', attrs));
}

function renderWelcome(node, model, doc) {
  let p = refs.get(node);
  if (!p) {
    const signinError = errorSlot(doc, 'signin');
    const hostError = errorSlot(doc, 'host');
    const signinSubmit = el(doc, 'button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'signin-submit' }, 'Sign in');
    const hostSubmit = el(doc, 'button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'host-submit' }, 'Create household');
    const serverUrl = model.session?.serverUrl || '';
    node.appendChild(el(doc, 'div', { class: 'welcome-intro' },
      el(doc, 'h1', { class: 'welcome-title' }, 'Kinboard'),
      el(doc, 'p', { class: 'welcome-lead' }, 'Timers, chores and stars for the whole family — on every screen, in real time.')));
    const signinCard = el(doc, 'form', { class: 'card welcome-card', 'data-testid': 'signin-form', 'data-form': 'signin', 'aria-labelledby': 'signin-title', novalidate: true },
        el(doc, 'h2', { id: 'signin-title' }, 'Join your household'),
        el(doc, 'p', { class: 'muted' }, 'Sign in to the household server a parent already runs.'),
        field(doc, 'Server address', { name: 'serverUrl', type: 'url', required: true, autocomplete: 'url', placeholder: 'http://192.168.1.20:8080', value: serverUrl, 'data-testid': 'signin-server' }),
        field(doc, 'Email', { name: 'email', type: 'email', required: true, autocomplete: 'username', value: model.session?.email || '', 'data-testid': 'signin-email' }),
        field(doc, 'Password', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'signin-password' }),
        signinError, signinSubmit);
    const hostCard = el(doc, 'form', { class: 'card welcome-card', 'data-testid': 'host-form', 'data-form': 'host', 'aria-labelledby': 'host-title', novalidate: true },
        el(doc, 'h2', { id: 'host-title' }, 'Host a household here'),
        el(doc, 'p', { class: 'muted' }, 'Run the household server on this computer and create the first parent.'),
        field(doc, 'Family name', { name: 'familyName', type: 'text', required: true, placeholder: 'The Parkers', 'data-testid': 'host-family' }),
        field(doc, 'Your name', { name: 'name', type: 'text', required: true, autocomplete: 'name', 'data-testid': 'host-name' }),
        field(doc, 'Email', { name: 'email', type: 'email', required: true, autocomplete: 'email', 'data-testid': 'host-email' }),
        field(doc, 'Password', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', minlength: '8', 'data-testid': 'host-password' }),
        hostError, hostSubmit);
    const pairError = errorSlot(doc, 'pair');
    const pairSubmit = el(doc, 'button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'pair-submit' }, 'Pair this screen');
    const pairCard = el(doc, 'form', { class: 'card welcome-card', 'data-testid': 'pair-form', 'data-form': 'pair', 'aria-labelledby': 'pair-title', novalidate: true },
      el(doc, 'h2', { id: 'pair-title' }, 'Pair this screen'),
      el(doc, 'p', { class: 'muted' }, 'For a kitchen screen: on a parent’s device choose “Pair a screen”, then type the code it shows.'),
      field(doc, 'Server address', { name: 'serverUrl', type: 'url', required: true, autocomplete: 'url', placeholder: 'http://192.168.1.20:8080', value: serverUrl, 'data-testid': 'pair-server' }),
      field(doc, 'Pairing code', { name: 'code', type: 'text', required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', placeholder: 'ABCDE-FGHJK', 'data-testid': 'pair-code-input' }),
      pairError, pairSubmit);
    node.appendChild(el(doc, 'div', { class: 'welcome-forms' }, signinCard, hostCard, pairCard));
    const note = el(doc, 'p', { class: 'welcome-note muted' },
      'Setting up the kitchen screen? Pair it from a parent’s device — never type a parent’s password on a shared screen.');
    node.appendChild(note);
    p = { signinError, hostError, pairError, signinSubmit, hostSubmit, pairSubmit, note, signinCard, hostCard };
    refs.set(node, p);
  }
  // A kitchen screen is only ever paired: no parent's password typed there.
  setHidden(p.signinCard, Boolean(model.kiosk));
  setHidden(p.hostCard, Boolean(model.kiosk));
  setHidden(p.note, Boolean(model.kiosk));
  updateErrorSlot(p.pairError, model.ui?.errors?.pair);
  setBusy(p.pairSubmit, isPending(model, 'pair'));
  setText(p.pairSubmit, isPending(model, 'pair') ? 'Pairing…' : 'Pair this screen');
  updateErrorSlot(p.signinError, model.ui?.errors?.signin);
  updateErrorSlot(p.hostError, model.ui?.errors?.host);
  setBusy(p.signinSubmit, isPending(model, 'signin'));
  setBusy(p.hostSubmit, isPending(model, 'host'));
  setText(p.signinSubmit, isPending(model, 'signin') ? 'Signing in…' : 'Sign in');
  setText(p.hostSubmit, isPending(model, 'host') ? 'Creating…' : 'Create household');
}

// ---------------------------------------------------------------- header

/** Text of the connection chip for a connection state. */
export function connectionText(connection, now) {
  const state = connection?.state || 'offline';
  if (state === 'live') return 'Live';
  if (state === 'reconnecting') return 'Reconnecting…';
  const ago = Number.isFinite(connection?.lastSyncedAt)
    ? formatLastSynced(connection.lastSyncedAt, now) : 'never synced';
  return `Offline · ${ago}`;
}

function renderHeader(node, model, doc) {
  let p = refs.get(node);
  if (!p) {
    const family = el(doc, 'h1', { class: 'family-name', 'data-testid': 'family-name' });
    const badge = el(doc, 'span', { class: 'mode-badge', hidden: true });
    const chipText = el(doc, 'span', { class: 'chip-text' });
    const chip = el(doc, 'span', { class: 'chip', 'data-testid': 'connection-chip', role: 'status' },
      el(doc, 'span', { class: 'chip-icon', 'aria-hidden': 'true' }), chipText);
    const synced = el(doc, 'span', { class: 'last-synced', 'data-testid': 'last-synced', hidden: true });
    const refresh = el(doc, 'button', {
      type: 'button', class: 'btn btn-quiet', 'data-testid': 'refresh', 'data-action': 'refresh', 'aria-label': 'Refresh the board now',
    }, el(doc, 'span', { class: 'icon', 'aria-hidden': 'true' }, '↻'), el(doc, 'span', { class: 'btn-text' }, 'Refresh'));
    const clock = el(doc, 'time', { class: 'clock', 'data-testid': 'clock' });
    const signOut = el(doc, 'button', { type: 'button', class: 'btn btn-quiet', 'data-testid': 'sign-out', 'data-action': 'sign-out' }, 'Sign out');
    const pair = el(doc, 'button', {
      type: 'button', class: 'btn btn-quiet', 'data-testid': 'pair-open', 'data-action': 'pair-open', 'aria-label': 'Pair a kitchen screen with this family',
    }, 'Pair a screen');
    node.appendChild(el(doc, 'div', { class: 'topbar-left' }, family, badge));
    node.appendChild(el(doc, 'div', { class: 'topbar-right' }, chip, synced, refresh, clock, pair, signOut));
    p = { family, badge, chip, chipText, synced, refresh, clock, pair, signOut };
    refs.set(node, p);
  }
  const { view, now } = model;
  const offset = view.serverOffsetMs;
  setText(p.family, view.family?.name || 'Kinboard');
  const mode = model.session?.mode;
  setHidden(p.badge, mode !== 'demo' && view.role !== 'kiosk');
  setText(p.badge, mode === 'demo' ? 'Demo' : 'Kitchen screen');
  const conn = view.connection || { state: 'offline', lastSyncedAt: null };
  const state = ['live', 'reconnecting', 'offline'].includes(conn.state) ? conn.state : 'offline';
  setAttr(p.chip, 'data-state', state);
  setAttr(p.chip, 'class', `chip chip-${state}`);
  setText(p.chipText, connectionText(conn, now));
  // A kitchen screen always says how fresh it is; so does any reconnecting one.
  const showSynced = state === 'reconnecting' || (model.kiosk && state === 'live');
  setHidden(p.synced, !showSynced);
  if (showSynced) {
    setText(p.synced, Number.isFinite(conn.lastSyncedAt) ? `synced ${formatAgo(conn.lastSyncedAt, now)}` : 'not synced yet');
  }
  setBusy(p.refresh, isPending(model, 'refresh'));
  const serverTime = now + (Number.isFinite(offset) ? offset : 0);
  setText(p.clock, formatClock(serverTime, view.family?.timeZone));
  setHidden(p.signOut, model.kiosk || view.role === 'kiosk');
  setHidden(p.pair, model.kiosk || view.role !== 'parent');
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

function renderDesktopNotices(node, model, doc) {
  const notices = desktopNotices(model.desktop);
  const key = notices.map((x) => x.text).join('|');
  if (node.getAttribute('data-key') !== key) {
    while (node.firstChild) node.removeChild(node.firstChild);
    for (const x of notices) {
      node.appendChild(el(doc, 'p', {
        class: 'desktop-notice', 'data-testid': 'desktop-notice', 'data-service': x.service, title: x.detail || null,
      }, x.text));
    }
    node.setAttribute('data-key', key);
  }
  setHidden(node, notices.length === 0);
}

function renderGlobalError(node, model, doc) {
  const ui = model.ui || {};
  const last = model.view?.lastError;
  let sentence = ui.errors?.global || '';
  if (!sentence && last && lastErrorKey(last) !== ui.dismissedError) {
    sentence = errorSentence(last, last.action);
  }
  let p = refs.get(node);
  if (!p) {
    const text = el(doc, 'p', { class: 'inline-error', 'data-testid': 'error-banner', 'data-scope': 'global' });
    const dismiss = el(doc, 'button', {
      type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'dismiss-error', 'data-testid': 'error-dismiss', 'aria-label': 'Dismiss this message',
    }, '✕');
    node.appendChild(text);
    node.appendChild(dismiss);
    p = { text, dismiss };
    refs.set(node, p);
  }
  setText(p.text, sentence);
  setHidden(node, !sentence);
}

/** Identity of a core error, so "dismiss" hides this one but not the next. */
export function lastErrorKey(err) {
  if (!err) return null;
  return `${err.action || ''}|${err.code || ''}|${err.message || ''}`;
}

// ---------------------------------------------------------------- timers

function renderTimers(node, model, doc, announcer) {
  let p = refs.get(node);
  if (!p) {
    const count = el(doc, 'span', { class: 'count', 'aria-hidden': 'true' });
    const list = el(doc, 'div', { class: 'timer-grid', 'data-testid': 'timer-list', role: 'list' });
    const empty = el(doc, 'div', { class: 'empty', 'data-testid': 'timers-empty', hidden: true },
      el(doc, 'p', { class: 'empty-text' }));
    node.appendChild(el(doc, 'h2', { class: 'panel-title', id: 'timers-title' }, el(doc, 'span', null, 'Timers'), count));
    node.appendChild(list);
    node.appendChild(empty);
    p = { list, empty, count, emptyText: empty.children[0] };
    refs.set(node, p);
  }
  const { view, now } = model;
  const offset = view.serverOffsetMs;
  const members = memberIndex(view);
  const timers = orderTimers(view.timers, offset, now);
  setText(p.count, timers.length ? String(timers.length) : '');
  setHidden(p.empty, timers.length > 0);
  setText(p.emptyText, (view.members || []).length
    ? 'No timers running — start one below.'
    : 'No timers yet. Add a child profile from a parent’s account, then start a timer here.');
  patchList(p.list, timers, (t) => t.id,
    () => createTimerCard(doc),
    (card, t) => updateTimerCard(card, t, model, members.get(t.memberId)));

  // Announce timers that have just run out (not those already out on first paint).
  const expired = new Set(timers.filter((t) => displayState(t, offset, now) === 'expired').map((t) => t.id));
  if (p.expired && announcer) {
    const fresh = timers.filter((t) => expired.has(t.id) && !p.expired.has(t.id));
    if (fresh.length) {
      setText(announcer, fresh.map((t) => `${possessive(members.get(t.memberId)?.member?.name || 'Someone')} ${t.label}: time’s up!`).join(' '));
    }
  }
  p.expired = expired;
}

function createTimerCard(doc) {
  const name = el(doc, 'span', { class: 'tc-name' });
  const stars = el(doc, 'span', { class: 'tc-stars' });
  const label = el(doc, 'h3', { class: 'tc-label' });
  const status = el(doc, 'span', { class: 'tc-status' });
  const countdown = el(doc, 'div', { class: 'tc-countdown', 'data-testid': 'timer-countdown', role: 'timer' });
  const fill = el(doc, 'div', { class: 'tc-bar-fill' });
  const bar = el(doc, 'div', { class: 'tc-bar', 'aria-hidden': 'true' }, fill);
  const primary = el(doc, 'button', { type: 'button', class: 'btn tc-primary' });
  const extend = el(doc, 'button', { type: 'button', class: 'btn tc-extend', 'data-testid': 'timer-extend', 'data-action': 'extend' }, '+5 min');
  const cancel = el(doc, 'button', { type: 'button', class: 'btn btn-quiet tc-cancel', 'data-testid': 'timer-cancel', 'data-action': 'cancel' },
    el(doc, 'span', { 'aria-hidden': 'true' }, '✕'));
  const actions = el(doc, 'div', { class: 'tc-actions' }, primary, extend);
  const confirmText = el(doc, 'p', { class: 'tc-confirm-text' });
  const keep = el(doc, 'button', { type: 'button', class: 'btn', 'data-testid': 'timer-cancel-keep', 'data-action': 'cancel-keep' }, 'Keep it');
  const yes = el(doc, 'button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'timer-cancel-confirm', 'data-action': 'cancel-yes' }, 'Cancel it');
  const confirmRow = el(doc, 'div', { class: 'tc-confirm', role: 'group', hidden: true }, confirmText, el(doc, 'div', { class: 'tc-confirm-buttons' }, keep, yes));
  const error = errorSlot(doc, 'timer');
  const card = el(doc, 'article', { class: 'timer-card', 'data-testid': 'timer-card', role: 'listitem' },
    el(doc, 'div', { class: 'tc-head' },
      el(doc, 'span', { class: 'tc-who' }, el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), name),
      stars, cancel),
    el(doc, 'div', { class: 'tc-titleline' }, label, status),
    countdown, bar, actions, confirmRow, error);
  refs.set(card, { name, stars, label, status, countdown, fill, primary, extend, cancel, actions, confirmRow, confirmText, keep, yes, error });
  return card;
}

/** The words on a card's status line for a display state. */
export function statusText(state, timer, timeZone) {
  if (state === 'expired') return 'Time’s up!';
  if (state === 'paused') return 'Paused';
  if (Number.isFinite(timer.endsAt)) return `Ends ${formatClock(timer.endsAt, timeZone)}`;
  return 'Running';
}

function updateTimerCard(card, t, model, who) {
  const p = refs.get(card);
  const { view, now, ui = {} } = model;
  const offset = view.serverOffsetMs;
  const state = displayState(t, offset, now);
  const left = remainingMs(t, offset, now);
  const name = who?.member?.name || 'Someone';
  const accent = who?.accent || '#888888';
  const stars = Number.isFinite(t.stars) ? t.stars : 0;

  setAttr(card, 'data-timer-id', t.id);
  setAttr(card, 'data-state', state);
  setAttr(card, 'data-member-id', t.memberId);
  setAttr(card, 'class', `timer-card is-${state}`);
  setAttr(card, 'style', `--accent: ${accent}`);
  setAttr(card, 'aria-label', `${possessive(name)} ${t.label}: ${state === 'expired' ? 'time’s up' : state === 'paused' ? `paused, ${describeCountdown(left)}` : describeCountdown(left)}`);
  setText(p.name, name);
  setText(p.label, t.label || 'Timer');
  setText(p.stars, stars > 0 ? formatStars(stars) : 'No stars');
  setAttr(p.stars, 'aria-label', stars > 0 ? `${starsLabel(stars)} at stake` : 'No stars at stake');
  setText(p.status, statusText(state, t, view.family?.timeZone));
  const text = formatCountdown(left);
  setText(p.countdown, text);
  setAttr(p.countdown, 'data-long', text.length > 5); // h:mm:ss steps down a size to fit
  setAttr(p.countdown, 'aria-label', state === 'expired' ? 'Time’s up' : describeCountdown(left));
  const frac = remainingFraction(t, offset, now);
  setAttr(p.fill, 'style', `transform: scaleX(${frac.toFixed(4)})`);

  // One primary button whose job follows the state, so focus survives a pause.
  const what = `${possessive(name)} ${t.label}`;
  const kioskPin = view.role === 'kiosk';
  if (state === 'expired') {
    setAttr(p.primary, 'data-testid', 'timer-confirm');
    setAttr(p.primary, 'data-action', 'confirm');
    setAttr(p.primary, 'class', 'btn btn-primary tc-primary');
    setText(p.primary, stars > 0 ? `Confirm +★${stars}` : 'Confirm');
    setAttr(p.primary, 'aria-label', `Confirm ${what}${stars > 0 ? ` and award ${starsLabel(stars)}` : ''}${kioskPin ? ' (parent PIN)' : ''}`);
    setBusy(p.primary, isPending(model, `confirm:${t.id}`));
  } else if (state === 'paused') {
    setAttr(p.primary, 'data-testid', 'timer-resume');
    setAttr(p.primary, 'data-action', 'resume');
    setAttr(p.primary, 'class', 'btn btn-primary tc-primary');
    setText(p.primary, '▶ Resume');
    setAttr(p.primary, 'aria-label', `Resume ${what}`);
    setBusy(p.primary, isPending(model, `resume:${t.id}`));
  } else {
    setAttr(p.primary, 'data-testid', 'timer-pause');
    setAttr(p.primary, 'data-action', 'pause');
    setAttr(p.primary, 'class', 'btn tc-primary');
    setText(p.primary, '❚❚ Pause');
    setAttr(p.primary, 'aria-label', `Pause ${what}`);
    setBusy(p.primary, isPending(model, `pause:${t.id}`));
  }
  for (const b of [p.primary, p.extend, p.cancel, p.keep, p.yes]) setAttr(b, 'data-timer-id', t.id);
  setAttr(p.extend, 'aria-label', `Add 5 minutes to ${what}`);
  setBusy(p.extend, isPending(model, `extend:${t.id}`));
  setAttr(p.cancel, 'aria-label', `Cancel ${what}`);

  const confirming = ui.confirmCancel === t.id;
  setHidden(p.actions, confirming);
  setHidden(p.confirmRow, !confirming);
  setText(p.confirmText, `Cancel ${what}?${stars > 0 ? ' No stars will be given.' : ''}`);
  setAttr(p.yes, 'aria-label', `Yes, cancel ${what}`);
  setAttr(p.keep, 'aria-label', `Don’t cancel ${what}`);
  setBusy(p.yes, isPending(model, `cancel:${t.id}`));
  setAttr(p.error, 'data-scope', `timer:${t.id}`);
  updateErrorSlot(p.error, ui.errors?.[`timer:${t.id}`]);
}

// ---------------------------------------------------------------- start a timer

function renderStart(node, model, doc) {
  let p = refs.get(node);
  if (!p) {
    const rows = el(doc, 'div', { class: 'tpl-rows', 'data-testid': 'template-list' });
    const emptyTemplates = el(doc, 'p', { class: 'empty-inline muted', 'data-testid': 'templates-empty', hidden: true });
    const memberSelect = el(doc, 'select', { name: 'memberId', required: true, 'data-testid': 'oneoff-member' });
    const submit = el(doc, 'button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'oneoff-submit' }, 'Start');
    const form = el(doc, 'form', { class: 'oneoff', 'data-testid': 'oneoff-form', 'data-form': 'oneoff', 'aria-label': 'Start a one-off timer', novalidate: true },
      el(doc, 'label', { class: 'field field-grow' }, el(doc, 'span', { class: 'field-label' }, 'Label'),
        el(doc, 'input', { name: 'label', type: 'text', required: true, maxlength: '60', placeholder: 'Homework', 'data-testid': 'oneoff-label' })),
      el(doc, 'label', { class: 'field field-num' }, el(doc, 'span', { class: 'field-label' }, 'Minutes'),
        el(doc, 'input', { name: 'minutes', type: 'number', required: true, min: '1', max: '600', step: '1', value: '15', inputmode: 'numeric', 'data-testid': 'oneoff-minutes' })),
      el(doc, 'label', { class: 'field field-child' }, el(doc, 'span', { class: 'field-label' }, 'Child'), memberSelect),
      el(doc, 'label', { class: 'field field-num' }, el(doc, 'span', { class: 'field-label' }, 'Stars'),
        el(doc, 'input', { name: 'stars', type: 'number', required: true, min: '0', max: '100', step: '1', value: '1', inputmode: 'numeric', 'data-testid': 'oneoff-stars' })),
      submit);
    const error = errorSlot(doc, 'start');
    const noChildren = el(doc, 'p', { class: 'empty-inline muted', 'data-testid': 'start-empty', hidden: true },
      'Add a child profile from a parent’s account to start timers.');
    const body = el(doc, 'div', { class: 'start-body' }, rows, emptyTemplates, form);
    node.appendChild(el(doc, 'h2', { class: 'panel-title', id: 'start-title' }, 'Start a timer'));
    node.appendChild(noChildren);
    node.appendChild(body);
    node.appendChild(error);
    p = { rows, emptyTemplates, form, memberSelect, submit, error, noChildren, body };
    refs.set(node, p);
  }
  const { view } = model;
  const members = view.members || [];
  const templates = view.templates || [];
  setHidden(p.noChildren, members.length > 0);
  setHidden(p.body, members.length === 0);
  setHidden(p.emptyTemplates, templates.length > 0);
  setText(p.emptyTemplates, 'No timer templates yet — use the one-off timer below.');
  patchList(p.rows, templates.length ? members : [], (m) => m.id,
    () => createTemplateRow(doc),
    (row, m) => updateTemplateRow(row, m, model, doc, accentOf(m, members.indexOf(m))));
  patchList(p.memberSelect, members, (m) => m.id,
    () => doc.createElement('option'),
    (opt, m) => { setAttr(opt, 'value', m.id); setText(opt, m.name); });
  setBusy(p.submit, isPending(model, 'oneoff'));
  updateErrorSlot(p.error, model.ui?.errors?.start);
}

function createTemplateRow(doc) {
  const name = el(doc, 'span', { class: 'tpl-name' });
  const buttons = el(doc, 'div', { class: 'tpl-buttons' });
  const row = el(doc, 'div', { class: 'tpl-row', role: 'group' },
    el(doc, 'span', { class: 'tpl-who' }, el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), name), buttons);
  refs.set(row, { name, buttons });
  return row;
}

function updateTemplateRow(row, member, model, doc, accent) {
  const p = refs.get(row);
  setAttr(row, 'data-member-id', member.id);
  setAttr(row, 'style', `--accent: ${accent}`);
  setAttr(row, 'aria-label', `Timers for ${member.name}`);
  setText(p.name, member.name);
  patchList(p.buttons, model.view.templates || [], (t) => t.id,
    () => {
      const label = el(doc, 'span', { class: 'tpl-label' });
      const meta = el(doc, 'span', { class: 'tpl-meta' });
      const b = el(doc, 'button', { type: 'button', class: 'btn tpl-btn', 'data-testid': 'template-start', 'data-action': 'start-template' }, label, meta);
      refs.set(b, { label, meta });
      return b;
    },
    (b, t) => {
      const q = refs.get(b);
      setAttr(b, 'data-template-id', t.id);
      setAttr(b, 'data-member-id', member.id);
      setText(q.label, t.label);
      setText(q.meta, `${formatMinutes(t.durationSeconds)}${t.stars > 0 ? ` · ★${t.stars}` : ''}`);
      setAttr(b, 'aria-label', `Start ${t.label} for ${member.name}: ${formatMinutes(t.durationSeconds)}${t.stars > 0 ? `, ${starsLabel(t.stars)}` : ''}`);
      setBusy(b, isPending(model, `template:${member.id}:${t.id}`));
    });
}

// ---------------------------------------------------------------- children

function renderMembers(node, model, doc) {
  let p = refs.get(node);
  if (!p) {
    const list = el(doc, 'div', { class: 'member-list', 'data-testid': 'member-list' });
    const empty = el(doc, 'div', { class: 'empty', 'data-testid': 'members-empty', hidden: true },
      el(doc, 'p', { class: 'empty-text' }, 'No children yet — add a child profile from a parent’s account.'));
    node.appendChild(el(doc, 'h2', { class: 'panel-title', id: 'children-title' }, 'Children'));
    node.appendChild(list);
    node.appendChild(empty);
    p = { list, empty };
    refs.set(node, p);
  }
  const members = model.view.members || [];
  setHidden(p.empty, members.length > 0);
  patchList(p.list, members, (m) => m.id,
    () => createMemberCard(doc),
    (card, m) => updateMemberCard(card, m, model, doc, accentOf(m, members.indexOf(m))));
}

function createMemberCard(doc) {
  const initial = el(doc, 'span', { class: 'avatar', 'aria-hidden': 'true' });
  const name = el(doc, 'h3', { class: 'm-name' });
  const balance = el(doc, 'span', { class: 'm-balance-num', 'data-testid': 'member-balance' });
  const weekly = el(doc, 'span', { class: 'm-weekly-num', 'data-testid': 'member-weekly' });
  const remove = el(doc, 'button', { type: 'button', class: 'btn m-star-btn', 'data-testid': 'stars-remove', 'data-action': 'stars-remove' },
    el(doc, 'span', { 'aria-hidden': 'true' }, '−'), el(doc, 'span', { class: 'pin-tag', 'aria-hidden': 'true' }));
  const add = el(doc, 'button', { type: 'button', class: 'btn m-star-btn', 'data-testid': 'stars-add', 'data-action': 'stars-add' },
    el(doc, 'span', { 'aria-hidden': 'true' }, '+'), el(doc, 'span', { class: 'pin-tag', 'aria-hidden': 'true' }));
  const chores = el(doc, 'ul', { class: 'chores', 'data-testid': 'chore-list' });
  const noChores = el(doc, 'p', { class: 'empty-inline muted', hidden: true }, 'No chores today.');
  const error = errorSlot(doc, 'member');
  const card = el(doc, 'section', { class: 'member-card', 'data-testid': 'member-card' },
    el(doc, 'div', { class: 'm-head' }, initial, name,
      el(doc, 'div', { class: 'm-star-actions' }, remove, add)),
    el(doc, 'div', { class: 'm-stats' },
      el(doc, 'div', { class: 'm-stat m-balance' },
        el(doc, 'span', { class: 'm-stat-value' }, el(doc, 'span', { class: 'star', 'aria-hidden': 'true' }, '★'), balance),
        el(doc, 'span', { class: 'm-stat-label' }, 'stars')),
      el(doc, 'div', { class: 'm-stat m-weekly' },
        el(doc, 'span', { class: 'm-stat-value' }, weekly),
        el(doc, 'span', { class: 'm-stat-label' }, 'this week'))),
    chores, noChores, error);
  refs.set(card, { initial, name, balance, weekly, remove, add, chores, noChores, error });
  return card;
}

function updateMemberCard(card, m, model, doc, accent) {
  const p = refs.get(card);
  const { view, ui = {} } = model;
  setAttr(card, 'data-member-id', m.id);
  setAttr(card, 'style', `--accent: ${accent}`);
  setAttr(card, 'aria-label', m.name);
  setText(p.initial, (m.name || '?').trim().charAt(0).toUpperCase() || '?');
  setText(p.name, m.name);
  setText(p.balance, String(Number.isFinite(m.balance) ? m.balance : 0));
  setText(p.weekly, String(Number.isFinite(m.weeklyStars) ? m.weeklyStars : 0));
  const pin = view.role === 'kiosk';
  for (const [b, verb] of [[p.add, 'Add stars for'], [p.remove, 'Remove stars from']]) {
    setAttr(b, 'data-member-id', m.id);
    setAttr(b, 'aria-label', `${verb} ${m.name}${pin ? ' (parent PIN)' : ''}`);
    setText(b.children[1], pin ? 'PIN' : '');
  }
  const chores = (view.chores || []).filter((c) => c.memberId === m.id);
  setHidden(p.noChores, chores.length > 0);
  const names = memberIndex(view);
  patchList(p.chores, chores, (c) => c.id,
    () => createChoreItem(doc),
    (li, c) => updateChoreItem(li, c, m, model, names, doc));
  setAttr(p.error, 'data-scope', `member:${m.id}`);
  updateErrorSlot(p.error, ui.errors?.[`member:${m.id}`]);
}

function createChoreItem(doc) {
  const check = el(doc, 'span', { class: 'chore-check', 'aria-hidden': 'true' });
  const label = el(doc, 'span', { class: 'chore-label' });
  const stars = el(doc, 'span', { class: 'chore-stars' });
  const slot = el(doc, 'span', { class: 'chore-slot' });
  const li = el(doc, 'li', { class: 'chore-item', 'data-testid': 'chore-item' }, check, el(doc, 'span', { class: 'chore-text' }, label, stars), slot);
  refs.set(li, { check, label, stars, slot, button: null, doneMark: null });
  return li;
}

function updateChoreItem(li, c, member, model, names, doc) {
  const p = refs.get(li);
  const done = Number.isFinite(c.completedAt) || Boolean(c.completedAt);
  setAttr(li, 'data-chore-id', c.id);
  setAttr(li, 'data-done', done ? 'true' : 'false');
  setAttr(li, 'class', `chore-item${done ? ' is-done' : ''}`);
  setText(p.check, done ? '✓' : '');
  setText(p.label, c.label);
  setText(p.stars, c.stars > 0 ? `★${c.stars}` : '');
  setAttr(p.stars, 'aria-label', c.stars > 0 ? starsLabel(c.stars) : null);
  if (!done) {
    if (!p.button) {
      p.button = el(doc, 'button', { type: 'button', class: 'btn btn-primary chore-done', 'data-testid': 'chore-done', 'data-action': 'chore-done' }, 'Done');
    }
    if (p.doneMark && p.doneMark.parentNode === p.slot) p.slot.removeChild(p.doneMark);
    if (p.button.parentNode !== p.slot) p.slot.appendChild(p.button);
    setAttr(p.button, 'data-chore-id', c.id);
    setAttr(p.button, 'data-member-id', member.id);
    setAttr(p.button, 'aria-label', `Mark “${c.label}” done for ${member.name}`);
    setBusy(p.button, isPending(model, `chore:${c.id}`));
  } else {
    if (!p.doneMark) p.doneMark = el(doc, 'span', { class: 'chore-done-mark' });
    if (p.button && p.button.parentNode === p.slot) p.slot.removeChild(p.button);
    if (p.doneMark.parentNode !== p.slot) p.slot.appendChild(p.doneMark);
    const by = c.completedBy && c.completedBy !== member.id ? names.get(c.completedBy)?.member?.name : null;
    setText(p.doneMark, by ? `Done by ${by}` : 'Done');
  }
}

// ---------------------------------------------------------------- dialogs

function renderDialog(node, model, doc) {
  const d = model.ui?.dialog || null;
  setHidden(node, !d);
  const kind = d ? d.kind : '';
  if (node.getAttribute('data-kind') !== kind) {
    // A different dialog: rebuild its contents (dialogs are small and rare).
    for (const c of Array.from(node.children)) node.removeChild(c);
    setAttr(node, 'data-kind', kind);
    refs.delete(node);
    if (d) buildDialog(node, d, doc);
  }
  if (d) updateDialog(node, d, model, doc);
}

function buildDialog(node, d, doc) {
  const title = el(doc, 'h2', { class: 'dialog-title', id: 'dialog-title' });
  const sub = el(doc, 'p', { class: 'dialog-sub muted' });
  const error = errorSlot(doc, 'dialog');
  const cancel = el(doc, 'button', { type: 'button', class: 'btn', 'data-testid': 'dialog-cancel', 'data-action': 'dialog-cancel' }, 'Cancel');
  const submit = el(doc, 'button', { type: 'button', class: 'btn btn-primary', 'data-action': 'dialog-submit' });
  const p = { title, sub, error, cancel, submit };
  const main = el(doc, 'div', { class: 'dialog-main' }, title, sub);
  const body = el(doc, 'div', { class: 'dialog-body' }, main);
  const box = el(doc, 'div', {
    class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'dialog-title', tabindex: '-1',
    'data-testid': { stars: 'stars-dialog', pair: 'pair-dialog' }[d.kind] || 'pin-dialog',
  }, body);
  p.box = box;
  if (d.kind === 'stars') {
    p.amount = el(doc, 'output', { class: 'amount', 'data-testid': 'stars-amount', 'aria-live': 'polite' });
    p.dec = el(doc, 'button', { type: 'button', class: 'btn amount-btn', 'data-action': 'amount-dec', 'data-testid': 'stars-amount-dec', 'aria-label': 'One star fewer' }, '−');
    p.inc = el(doc, 'button', { type: 'button', class: 'btn amount-btn', 'data-action': 'amount-inc', 'data-testid': 'stars-amount-inc', 'aria-label': 'One star more' }, '+');
    main.appendChild(el(doc, 'div', { class: 'amount-row', role: 'group', 'aria-label': 'How many stars' }, p.dec, p.amount, p.inc));
    p.chips = el(doc, 'div', { class: 'reason-chips', role: 'group', 'aria-label': 'Reason' });
    p.reason = el(doc, 'input', { type: 'text', class: 'reason-input', name: 'reason', maxlength: '80', placeholder: 'Reason', 'aria-label': 'Reason', 'data-testid': 'stars-reason', 'data-input': 'reason' });
    main.appendChild(p.chips);
    main.appendChild(p.reason);
    setAttr(submit, 'data-testid', 'stars-submit');
  } else if (d.kind === 'pair') {
    p.nameField = field(doc, 'Name of the screen', { name: 'pairName', type: 'text', maxlength: '60', 'data-testid': 'pair-name', 'data-input': 'pair-name' });
    p.name = p.nameField.querySelector('input');
    p.result = el(doc, 'div', { class: 'pair-result', hidden: true });
    p.code = el(doc, 'output', { class: 'pair-code', 'data-testid': 'pair-code', 'aria-live': 'polite' });
    p.server = el(doc, 'p', { class: 'pair-server', 'data-testid': 'pair-server-url' });
    p.expiry = el(doc, 'p', { class: 'muted' });
    p.result.appendChild(p.code);
    p.result.appendChild(p.server);
    p.result.appendChild(p.expiry);
    main.appendChild(p.nameField);
    main.appendChild(p.result);
    setAttr(submit, 'data-testid', 'pair-create');
  } else {
    setAttr(submit, 'data-testid', 'pin-submit');
  }
  p.pinArea = el(doc, 'div', { class: 'pin-area' });
  p.pinDots = el(doc, 'div', { class: 'pin-dots', 'data-testid': 'pin-display', role: 'status' });
  const keys = [];
  for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back']) {
    if (k === 'clear') keys.push(el(doc, 'button', { type: 'button', class: 'btn pin-key pin-key-fn', 'data-action': 'pin-clear', 'data-testid': 'pin-clear', 'aria-label': 'Clear PIN' }, 'Clear'));
    else if (k === 'back') keys.push(el(doc, 'button', { type: 'button', class: 'btn pin-key pin-key-fn', 'data-action': 'pin-back', 'data-testid': 'pin-back', 'aria-label': 'Delete last digit' }, '←'));
    else keys.push(el(doc, 'button', { type: 'button', class: 'btn pin-key', 'data-action': 'pin-digit', 'data-digit': k, 'data-testid': 'pin-digit', 'aria-label': `Digit ${k}` }, k));
  }
  p.pinArea.appendChild(el(doc, 'p', { class: 'pin-prompt' }, 'Parent PIN'));
  p.pinArea.appendChild(p.pinDots);
  p.pinArea.appendChild(el(doc, 'div', { class: 'pin-pad', 'data-testid': 'pin-pad', role: 'group', 'aria-label': 'PIN pad' }, keys));
  body.appendChild(p.pinArea);
  box.appendChild(error);
  box.appendChild(el(doc, 'div', { class: 'dialog-actions' }, cancel, submit));
  node.appendChild(box);
  refs.set(node, p);
}

/** Does this dialog need the parent PIN? Only on a kiosk (role from the view). */
export function needsPin(view) {
  return view?.role === 'kiosk';
}

function updateDialog(node, d, model, doc) {
  const p = refs.get(node);
  const view = model.view;
  const pin = needsPin(view);
  const pinLen = (d.pin || '').length;
  setHidden(p.pinArea, !pin);
  setAttr(p.box, 'class', `dialog dialog-${d.kind}${pin ? ' has-pin' : ''}`);
  const dots = Math.max(PIN_MIN, pinLen);
  setText(p.pinDots, '●'.repeat(pinLen) + '○'.repeat(dots - pinLen));
  setAttr(p.pinDots, 'aria-label', pinLen === 1 ? '1 digit entered' : `${pinLen} digits entered`);
  const busy = isPending(model, 'dialog');
  const pinOk = !pin || pinLen >= PIN_MIN;
  updateErrorSlot(p.error, model.ui?.errors?.dialog);
  const members = memberIndex(view);

  if (d.kind === 'pair') {
    const made = d.pairing;
    setText(p.title, made ? `Pair “${made.name}”` : 'Pair a kitchen screen');
    setText(p.sub, made
      ? 'On the kitchen screen, start Kinboard with --kiosk, then type this code and the server address.'
      : 'Make a one-time code for the kitchen screen. It pairs as a kiosk: the parent PIN guards stars and confirmations.');
    setHidden(p.nameField, Boolean(made));
    setHidden(p.result, !made);
    if (p.name.value !== (d.name || '') && doc.activeElement !== p.name) p.name.value = d.name || '';
    if (made) {
      setText(p.code, made.code);
      setText(p.server, `Server address: ${made.serverUrl}`);
      setText(p.expiry, `The code works once, until ${formatClock(made.expiresAt, view?.family?.timeZone)}.`);
    }
    setHidden(p.cancel, Boolean(made));
    setText(p.submit, made ? 'Done' : busy ? 'Making a code…' : 'Make a code');
    setAttr(p.submit, 'disabled', busy || (!made && !(d.name || '').trim()));
    setAttr(p.submit, 'aria-busy', busy ? 'true' : null);
  } else if (d.kind === 'stars') {
    const m = members.get(d.memberId)?.member;
    const name = m?.name || 'this child';
    const adding = d.sign > 0;
    const amount = Math.max(1, d.amount || 1);
    setText(p.title, adding ? `Add stars for ${name}` : `Remove stars from ${name}`);
    setText(p.sub, `${name} has ${starsLabel(m?.balance ?? 0)}.`);
    setText(p.amount, String(amount));
    setAttr(p.dec, 'disabled', amount <= 1);
    const reasons = adding ? ADD_REASONS : REMOVE_REASONS;
    patchList(p.chips, reasons, (r) => r,
      (r) => el(doc, 'button', { type: 'button', class: 'chip-btn', 'data-action': 'reason', 'data-reason': r, 'data-testid': 'stars-reason-chip' }, r),
      (b, r) => setAttr(b, 'aria-pressed', d.reason === r ? 'true' : 'false'));
    if (p.reason.value !== (d.reason || '') && doc.activeElement !== p.reason) p.reason.value = d.reason || '';
    const reasonOk = Boolean((d.reason || '').trim());
    setText(p.submit, busy ? 'Saving…' : `${adding ? 'Add' : 'Remove'} ${starsLabel(amount)}`);
    setAttr(p.submit, 'disabled', busy || !pinOk || !reasonOk);
    setAttr(p.submit, 'aria-busy', busy ? 'true' : null);
  } else {
    const t = (view.timers || []).find((x) => x.id === d.timerId);
    const name = members.get(t?.memberId)?.member?.name || 'Someone';
    const stars = t?.stars || 0;
    setText(p.title, `Confirm ${possessive(name)} ${t?.label || 'timer'}`);
    setText(p.sub, stars > 0 ? `A parent enters the PIN to give ${name} ${starsLabel(stars)}.` : 'A parent enters the PIN to confirm.');
    setText(p.submit, busy ? 'Confirming…' : stars > 0 ? `Confirm +★${stars}` : 'Confirm');
    setAttr(p.submit, 'disabled', busy || !pinOk);
    setAttr(p.submit, 'aria-busy', busy ? 'true' : null);
  }
}
