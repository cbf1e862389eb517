// app.js — the entry point: holds the page's state (session, latest
// DashboardView, local UI state such as pending buttons, errors and open
// dialogs), turns clicks and form submits into the bridge's commands, and
// re-renders. Countdowns tick locally, waking only when a shown second or
// minute changes (a render patches only what moved); nothing here polls
// the core. It owns no markup (render.js) and does not call Tauri
// (bridge.js); it names commands only to say which one failed.

import { createBridge } from './bridge.js';
import { UNDO_WINDOW_MS, nextChangeIn } from './countdown.js';
import { errorSentence, normalizeError } from './errors.js';
import { EXTEND_SECONDS, PIN_MAX, PIN_MIN, lastErrorKey, needsPin, render, renderTick, screenOf } from './render.js';
import { createSettingsActions } from './settings-actions.js';
import { canAsk } from './stars.js';
import { createSetupActions } from './setup-actions.js';
import { NIGHT_CHECK_MS, WOKEN_MS, asleep } from './night.js';
import { createChime } from './sound.js';

const ERROR_TTL_MS = 15000;
/** How often a kiosk tells the shell's watchdog the page is alive. */
const HEARTBEAT_MS = 5000;
/** A kiosk hides the mouse cursor after this long without movement. */
const CURSOR_IDLE_MS = 3000;

export function startApp({
  win = window,
  doc = document,
  root = doc.getElementById('app'),
  bridge = createBridge(win),
} = {}) {
  const params = new URLSearchParams(win.location?.search || '');
  // The shell marks a kitchen screen before the page runs; `?kiosk=1` is the preview's way.
  const urlKiosk = params.get('kiosk') === '1' || win.__KINBOARD_KIOSK__ === true;
  const state = {
    session: null,
    view: null,
    desktop: null,
    kiosk: urlKiosk,
    now: Date.now(),
    ui: {
      pending: new Set(), errors: {}, confirmCancel: null, dialog: null, dismissedError: null,
      setup: { way: null }, settings: null, recentStars: {},
      night: { asleep: false, wokenUntil: 0 },
    },
    sound: null,
  };
  const chime = createChime(doc);
  let gotViewEvent = false;
  const errorTimers = new Map();
  /** Wakes the page when a star change's Undo is over. */
  let recentTimer = null;

  // ------------------------------------------------------------ rendering
  function model() {
    state.now = Date.now();
    state.kiosk = Boolean(urlKiosk || state.session?.kiosk);
    state.sound = chime.sound;
    return state;
  }

  // ------------------------------------------------------------ night
  /** The server's clock, as the family's night is the family's time. */
  const serverNow = () => Date.now() + (Number.isFinite(state.view?.serverOffsetMs) ? state.view.serverOffsetMs : 0);

  /** Dims or wakes a kitchen screen as its night says; the shell is told
   *  so that the display may blank only while it sleeps. */
  function followNight() {
    const night = state.ui.night;
    const sleeping = Boolean(state.session?.signedIn) && asleep({
      kiosk: Boolean(urlKiosk || state.session?.kiosk),
      family: state.view?.family,
      now: serverNow(),
      wokenUntil: night.wokenUntil,
      expired: (state.view?.timers || []).filter((t) => t.state === 'expired').length,
    });
    if (sleeping === night.asleep) return;
    night.asleep = sleeping;
    bridge.kioskNight(sleeping).catch(() => {});
  }

  function wake() {
    state.ui.night.wokenUntil = serverNow() + WOKEN_MS;
    followNight();
  }

  /** Runs a DOM patch and puts focus back if a moved node lost it. */
  function keepingFocus(patch) {
    const active = doc.activeElement;
    patch();
    // Keyed patches keep nodes, but moving a card can still blur its button.
    if (active && active !== doc.body && active.isConnected && doc.activeElement !== active) {
      active.focus({ preventScroll: true });
    }
  }

  // Each change of screen is told to the shell (its log says when the
  // dashboard is up, after a start or a reload); a kiosk also beats.
  let lastScreen = null;
  let armPaint = () => {};
  /** Whether a certificate's check code was on screen at the last paint. */
  let checkShown = false;
  function paint() {
    armPaint();
    followNight();
    if (screenOf(state) !== lastScreen) {
      lastScreen = screenOf(state);
      bridge.heartbeat(lastScreen).catch(() => {});
    }
    // The dialog is native: showModal() moves focus in and close() brings
    // it back to where it was.
    keepingFocus(() => render(root, model()));
    applyChrome();
    // A check code to compare appears where the person is looking, not
    // below the fold of a long form.
    const check = root.querySelector('[data-testid="certificate-check"]');
    if (check && !checkShown && typeof check.scrollIntoView === 'function') {
      check.scrollIntoView({ block: 'center' });
    }
    checkShown = Boolean(check);
  }

  // A kiosk: the watchdog's heartbeat, and a cursor that hides when idle.
  let heartbeat = null;
  let nightClock = null;
  let cursorTimer = null;
  function kioskChrome() {
    if (!state.kiosk || heartbeat) return;
    const beat = () => bridge.heartbeat(screenOf(state)).catch(() => {});
    beat();
    heartbeat = setInterval(beat, HEARTBEAT_MS);
    // The night starts and ends by the clock, not by an event.
    nightClock = setInterval(() => {
      const was = state.ui.night.asleep;
      followNight();
      if (state.ui.night.asleep !== was) paint();
    }, NIGHT_CHECK_MS);
    doc.documentElement.classList.add('cursor-idle');
  }
  doc.addEventListener('mousemove', () => {
    if (!state.kiosk) return;
    doc.documentElement.classList.remove('cursor-idle');
    clearTimeout(cursorTimer);
    cursorTimer = setTimeout(() => doc.documentElement.classList.add('cursor-idle'), CURSOR_IDLE_MS);
  });

  function applyChrome() {
    const html = doc.documentElement;
    html.classList.toggle('kiosk', state.kiosk);
    html.classList.toggle('night', state.ui.night.asleep);
    kioskChrome();
    if (state.view?.role) html.setAttribute('data-role', state.view.role);
    const family = state.view?.family?.name;
    doc.title = family && state.session?.signedIn ? `${family} · Kinboard` : 'Kinboard';
  }

  function tick() {
    if (state.session?.signedIn && state.view) keepingFocus(() => renderTick(root, model()));
  }

  // ------------------------------------------------------------ errors
  function setError(scope, sentence, code) {
    state.ui.errors[scope] = sentence;
    clearTimeout(errorTimers.get(scope));
    // Errors inside cards fade after a while; form and load errors stay until retried.
    if (scope.startsWith('timer:') || scope.startsWith('member:') || scope === 'start' || scope === 'global') {
      errorTimers.set(scope, setTimeout(() => { clearError(scope); paint(); }, ERROR_TTL_MS));
    }
    if (code === 'network' || code === 'timeout') networkScopes.add(scope);
  }
  const networkScopes = new Set();

  function clearError(scope) {
    delete state.ui.errors[scope];
    networkScopes.delete(scope);
    clearTimeout(errorTimers.get(scope));
    errorTimers.delete(scope);
  }

  /** Runs one action: marks `key` busy, clears the scope's old error, and
   *  puts a sentence in that scope if the core rejects. */
  async function run(key, scope, command, fn) {
    if (state.ui.pending.has(key)) return false;
    state.ui.pending.add(key);
    clearError(scope);
    paint();
    try {
      await fn();
      return true;
    } catch (raw) {
      const err = normalizeError(raw);
      setError(scope, errorSentence(err, command), err.code);
      return false;
    } finally {
      state.ui.pending.delete(key);
      paint();
    }
  }

  // ------------------------------------------------------------ loading
  function applyView(view, fromEvent) {
    if (!view || typeof view !== 'object') return;
    if (fromEvent) gotViewEvent = true;
    else if (gotViewEvent && state.view && view.family?.id === state.view.family?.id
      && !(view.revision > state.view.revision)) return;
    const wasLive = state.view?.connection?.state === 'live';
    state.view = view;
    chime.update(view, Boolean(urlKiosk || state.session?.kiosk));
    if (!wasLive && view.connection?.state === 'live') {
      for (const scope of [...networkScopes]) clearError(scope);
    }
    // Close what refers to a timer that is gone or no longer waits for it.
    const timers = new Map((view.timers || []).map((t) => [t.id, t]));
    if (state.ui.confirmCancel && !timers.has(state.ui.confirmCancel)) state.ui.confirmCancel = null;
    const d = state.ui.dialog;
    if (d?.kind === 'pin' && !timers.has(d.timerId)) closeDialog();
    const member = (view.members || []).find((m) => m.id === d?.memberId);
    if (['stars', 'redeem', 'history'].includes(d?.kind) && !member) closeDialog();
    // The history follows the balance: a change elsewhere reloads it, once
    // per balance.
    else if (d?.kind === 'history' && d.history && member.balance !== d.fetchedFor) loadHistory(d).then(paint);
    if (!state.session?.signedIn && fromEvent && state.session) {
      // The core only pushes a dashboard once signed in; ask for the session again.
      loadSession().then(paint);
    }
    delete state.ui.errors.load;
  }

  async function loadSession() {
    try {
      state.session = await bridge.getSession();
      if (state.session?.desktop) state.desktop = state.session.desktop;
      clearError('load');
    } catch (raw) {
      state.session = { signedIn: false, serverUrl: null, email: null, mode: 'client', kiosk: false };
      setError('signin', errorSentence(raw, 'get_session'));
    }
  }

  async function loadView() {
    if (!state.session?.signedIn) return;
    try {
      applyView(await bridge.getView(), false);
      clearError('load');
    } catch (raw) {
      setError('load', errorSentence(raw, 'get_view'));
    }
  }

  async function boot() {
    paint();
    try {
      await bridge.onView((view) => { applyView(view, true); paint(); });
      await bridge.onDesktop((desktop) => { if (desktop) state.desktop = desktop; paint(); });
      await bridge.onSession((session) => {
        if (!session) return;
        const wasSignedIn = state.session?.signedIn;
        state.session = session;
        if (session.desktop) state.desktop = session.desktop;
        if (!session.signedIn) {
          // Signed out (here, or by the server: a parent removed, a kitchen
          // screen revoked): back to the start.
          state.view = null;
          gotViewEvent = false;
          chime.reset();
          state.ui.settings = null;
          state.ui.dialog = null;
          if (wasSignedIn) state.ui.setup = { way: null };
          if (session.kiosk) setupActions.findHouseholds().then(paint);
        } else if (session.kiosk) {
          // Paired just now: the kitchen screen shows the board, nothing else.
          state.ui.setup = null;
          state.ui.settings = null;
        }
        paint();
      });
      await bridge.onActionError((err) => {
        const e = normalizeError(err);
        setError('global', errorSentence(e, err?.command), e.code);
        paint();
      });
      await bridge.onQuitRequested((request) => {
        openDialog({ kind: 'quit', hosting: Boolean(request?.hosting) });
        paint();
      });
    } catch (raw) {
      setError('global', errorSentence(raw, 'get_view'));
    }
    // The sound first: a muted screen must not ring for the first view.
    try {
      chime.setSound(await bridge.soundSettings());
    } catch {
      // The default sound, until one is set here.
    }
    await loadSession();
    await loadView();
    paint();
    // A kitchen screen waiting to be paired lists the households at once.
    if (state.session && !state.session.signedIn && Boolean(urlKiosk || state.session.kiosk)) {
      await setupActions.findHouseholds();
      paint();
    }
  }

  // ------------------------------------------------------------ dialogs
  function openDialog(d) {
    clearError('dialog');
    state.ui.dialog = d;
  }

  function closeDialog() {
    state.ui.dialog = null;
    clearError('dialog');
  }

  /** Fetches a child's history into the history dialog `d` (when still
   *  open), noting the balance it is fetched for. */
  function loadHistory(d) {
    const balance = (state.view?.members || []).find((m) => m.id === d.memberId)?.balance;
    d.fetchedFor = balance;
    return run('history', 'dialog', 'member_history', async () => {
      try {
        const history = await bridge.memberHistory(d.memberId);
        if (state.ui.dialog === d) d.history = history;
      } catch (e) {
        // Not fetched: the next view with this balance tries again.
        if (d.fetchedFor === balance) d.fetchedFor = undefined;
        throw e;
      }
    });
  }

  function pinDigit(digit) {
    const d = state.ui.dialog;
    if (!d || !needsPin(state.view)) return;
    if ((d.pin || '').length < PIN_MAX) d.pin = (d.pin || '') + digit;
  }

  async function submitDialog() {
    const d = state.ui.dialog;
    if (!d) return;
    const pin = needsPin(state.view) && (d.pin || '').length ? d.pin : undefined;
    // Where parents approve, a kitchen screen asks for a reward without it.
    const asking = d.kind === 'redeem' && canAsk(state) && !pin;
    if (needsPin(state.view) && !asking && (!pin || pin.length < PIN_MIN)) {
      setError('dialog', `Enter the parent PIN (at least ${PIN_MIN} digits).`);
      return;
    }
    let ok;
    if (d.kind === 'pair') {
      if (d.pairing) { closeDialog(); return; }
      const name = (d.name || '').trim();
      if (!name) { setError('dialog', 'Give the screen a name, like “Kitchen”.'); return; }
      await run('dialog', 'dialog', 'create_kiosk_pairing', async () => {
        const pairing = await bridge.createKioskPairing(name);
        if (state.ui.dialog === d) d.pairing = pairing;
      });
      return;
    }
    if (d.kind === 'history' || d.kind === 'sound') { closeDialog(); return; }
    if (d.kind === 'quit') {
      await run('dialog', 'dialog', 'quit', () => bridge.quit());
      return;
    }
    if (d.kind === 'redeem') {
      if (!d.rewardId) { setError('dialog', 'Choose a reward first.'); return; }
      ok = await run('dialog', 'dialog', 'redeem_reward', () => bridge.redeemReward(d.rewardId, d.memberId, pin));
    } else if (d.kind === 'stars') {
      const reason = (d.reason || '').trim();
      if (!reason) { setError('dialog', 'Choose or type a reason first.'); return; }
      const args = { memberId: d.memberId, amount: Math.max(1, d.amount || 1), reason, pin };
      const command = d.sign > 0 ? 'add_stars' : 'remove_stars';
      const change = d.sign > 0 ? bridge.addStars : bridge.removeStars;
      ok = await run('dialog', 'dialog', command, async () => {
        const entryId = await change(args.memberId, args.amount, args.reason, args.pin);
        // On the card for a few seconds, with its Undo.
        if (entryId) {
          state.ui.recentStars[args.memberId] = { entryId, amount: d.sign * args.amount, reason: args.reason, at: Date.now() };
          clearTimeout(recentTimer);
          recentTimer = setTimeout(paint, UNDO_WINDOW_MS + 50);
        }
      });
    } else if (d.action === 'cancel') {
      ok = await run('dialog', 'dialog', 'cancel_timer', () => bridge.cancelTimer(d.timerId, pin));
      if (ok && state.ui.confirmCancel === d.timerId) state.ui.confirmCancel = null;
    } else {
      ok = await run('dialog', 'dialog', 'confirm_timer', () => bridge.confirmTimer(d.timerId, pin));
    }
    if (ok) closeDialog();
    else if (state.ui.dialog) state.ui.dialog.pin = ''; // a wrong PIN is typed again from scratch
  }

  // ------------------------------------------------------------ actions
  async function onAction(action, b) {
    const timerId = b.getAttribute('data-timer-id');
    const memberId = b.getAttribute('data-member-id');
    const d = state.ui.dialog;
    switch (action) {
      case 'refresh':
        return run('refresh', 'global', 'refresh', () => bridge.refresh());
      case 'retry-load':
        clearError('load');
        paint();
        await loadSession();
        await loadView();
        return;
      case 'sign-out':
        if (await run('signout', 'global', 'sign_out', () => bridge.signOut())) {
          state.view = null;
          gotViewEvent = false;
          await loadSession();
        }
        return;
      case 'dismiss-error':
        clearError('global');
        state.ui.dismissedError = lastErrorKey(state.view?.lastError);
        return;
      case 'pause':
        return run(`pause:${timerId}`, `timer:${timerId}`, 'pause_timer', () => bridge.pauseTimer(timerId));
      case 'resume':
        return run(`resume:${timerId}`, `timer:${timerId}`, 'resume_timer', () => bridge.resumeTimer(timerId));
      case 'extend':
        return run(`extend:${timerId}`, `timer:${timerId}`, 'extend_timer', () => bridge.extendTimer(timerId, EXTEND_SECONDS));
      case 'cancel':
        state.ui.confirmCancel = timerId;
        return;
      case 'cancel-keep':
        state.ui.confirmCancel = null;
        return;
      case 'cancel-yes': {
        if (needsPin(state.view)) {
          // A kitchen screen cancels with the parent PIN.
          openDialog({ kind: 'pin', action: 'cancel', timerId, pin: '' });
          return;
        }
        const ok = await run(`cancel:${timerId}`, `timer:${timerId}`, 'cancel_timer', () => bridge.cancelTimer(timerId));
        if (ok && state.ui.confirmCancel === timerId) state.ui.confirmCancel = null;
        return;
      }
      case 'confirm':
        if (needsPin(state.view)) {
          openDialog({ kind: 'pin', action: 'confirm', timerId, pin: '' });
          return;
        }
        return run(`confirm:${timerId}`, `timer:${timerId}`, 'confirm_timer', () => bridge.confirmTimer(timerId));
      case 'start-template': {
        const templateId = b.getAttribute('data-template-id');
        return run(`template:${memberId}:${templateId}`, 'start', 'start_timer_from_template',
          () => bridge.startTimerFromTemplate(memberId, templateId));
      }
      case 'chore-done': {
        const choreId = b.getAttribute('data-chore-id');
        return run(`chore:${choreId}`, `member:${memberId}`, 'complete_chore', () => bridge.completeChore(choreId, memberId));
      }
      case 'chore-undo': {
        const choreId = b.getAttribute('data-chore-id');
        const completionId = b.getAttribute('data-completion-id');
        return run(`chore:${choreId}`, `member:${memberId}`, 'undo_completion', () => bridge.undoCompletion(completionId));
      }
      case 'completion-approve':
      case 'completion-reject': {
        const completionId = b.getAttribute('data-completion-id');
        const approve = action === 'completion-approve';
        return run(`completion:${completionId}`, 'global', approve ? 'approve_completion' : 'reject_completion',
          () => (approve ? bridge.approveCompletion(completionId) : bridge.rejectCompletion(completionId)));
      }
      case 'redemption-approve':
      case 'redemption-reject': {
        const redemptionId = b.getAttribute('data-redemption-id');
        const approve = action === 'redemption-approve';
        return run(`redemption:${redemptionId}`, 'global', approve ? 'approve_redemption' : 'reject_redemption',
          () => (approve ? bridge.approveRedemption(redemptionId) : bridge.rejectRedemption(redemptionId)));
      }
      case 'redeem-open':
        openDialog({ kind: 'redeem', memberId, rewardId: null, pin: '' });
        return;
      case 'reward-pick':
        if (d) d.rewardId = b.getAttribute('data-reward-id');
        return;
      case 'history-open': {
        const dialog = { kind: 'history', memberId, history: null, saved: null };
        openDialog(dialog);
        return loadHistory(dialog);
      }
      case 'history-export': {
        const dialog = d;
        return run('export', 'dialog', 'export_ledger', async () => {
          const path = await bridge.exportLedger(memberId);
          if (state.ui.dialog === dialog) dialog.saved = path;
        });
      }
      case 'entry-undo': {
        const entryId = b.getAttribute('data-entry-id');
        const scope = d?.kind === 'history' ? 'dialog' : `member:${memberId}`;
        const ok = await run(`entry:${entryId}`, scope, 'undo_star_entry', () => bridge.undoStarEntry(entryId));
        if (ok && state.ui.recentStars[memberId]?.entryId === entryId) delete state.ui.recentStars[memberId];
        if (ok && d?.kind === 'history') await loadHistory(d);
        return;
      }
      case 'pair-open':
        openDialog({ kind: 'pair', name: 'Kitchen', pairing: null });
        return;
      case 'sound-open':
        openDialog({ kind: 'sound' });
        return;
      case 'sound-test':
        chime.test();
        return;
      case 'wake':
        wake();
        return;
      case 'switch-family':
        return;
      case 'stars-add':
      case 'stars-remove':
        openDialog({ kind: 'stars', memberId, sign: action === 'stars-add' ? 1 : -1, amount: 1, reason: '', pin: '' });
        return;
      case 'amount-inc':
        if (d) d.amount = Math.min(99, (d.amount || 1) + 1);
        return;
      case 'amount-dec':
        if (d) d.amount = Math.max(1, (d.amount || 1) - 1);
        return;
      case 'reason':
        if (d) d.reason = b.getAttribute('data-reason');
        return;
      case 'pin-digit':
        pinDigit(b.getAttribute('data-digit'));
        return;
      case 'pin-back':
        if (d) d.pin = (d.pin || '').slice(0, -1);
        return;
      case 'pin-clear':
        if (d) d.pin = '';
        return;
      case 'dialog-cancel':
        closeDialog();
        return;
      case 'dialog-submit':
        return submitDialog();
      default:
        if (await setupActions.action(action, b)) return;
        await settingsActions.action(action, b);
    }
  }

  function formValue(form, name) {
    const input = form.elements.namedItem(name);
    return input ? String(input.value || '').trim() : '';
  }

  async function onSubmit(kind, form) {
    if (await setupActions.submit(kind, form)) return;
    if (await settingsActions.submit(kind, form)) return;
    if (kind === 'oneoff') {
      const label = formValue(form, 'label');
      const minutes = Number(formValue(form, 'minutes'));
      const stars = Number(formValue(form, 'stars') || 0);
      const memberId = formValue(form, 'memberId');
      if (!label) return setError('start', 'Give the timer a label, like “Homework”.');
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 600) return setError('start', 'Minutes must be a whole number from 1 to 600.');
      if (!Number.isInteger(stars) || stars < 0 || stars > 100) return setError('start', 'Stars must be a whole number from 0 to 100.');
      if (!memberId) return setError('start', 'Choose which child the timer is for.');
      const ok = await run('oneoff', 'start', 'start_timer',
        () => bridge.startTimer(memberId, label, minutes * 60, stars));
      if (ok) form.elements.namedItem('label').value = '';
    }
  }

  async function afterSignIn() {
    gotViewEvent = false;
    await loadSession();
    await loadView();
  }

  const context = { state, bridge, run, setError, clearError, paint: () => paint(), afterSignIn };
  const setupActions = createSetupActions(context);
  const settingsActions = createSettingsActions(context);

  // ------------------------------------------------------------ listeners
  root.addEventListener('click', async (e) => {
    // A click on the dialog itself, outside its box, is on the backdrop.
    if (e.target.localName === 'dialog' && !state.ui.pending.has('dialog')) {
      closeDialog();
      paint();
      return;
    }
    const b = e.target.closest('[data-action]');
    if (!b || !root.contains(b) || b.disabled) return;
    e.preventDefault();
    const pendingAction = onAction(b.getAttribute('data-action'), b);
    paint();
    await pendingAction;
    paint();
  });

  root.addEventListener('submit', async (e) => {
    const form = e.target.closest('form[data-form]');
    if (!form) return;
    e.preventDefault();
    const done = onSubmit(form.getAttribute('data-form'), form);
    paint();
    await done;
    paint();
  });

  /** Keeps this screen's sound as the dialog's controls now say. */
  async function saveSound(volume, muted) {
    chime.setSound({ volume, muted });
    await run('sound', 'dialog', 'set_sound', async () => chime.setSound(await bridge.setSound(volume, muted)));
    // Unmuted with a timer still run out: a kitchen screen rings again.
    if (state.view) chime.update(state.view, Boolean(urlKiosk || state.session?.kiosk));
  }

  root.addEventListener('change', async (e) => {
    const t = e.target;
    const change = t.getAttribute && t.getAttribute('data-change');
    if (change === 'sound-volume' || change === 'sound-mute') {
      const volume = change === 'sound-volume' ? Number(t.value) : chime.sound.volume;
      const muted = change === 'sound-mute' ? Boolean(t.checked) : chime.sound.muted;
      await saveSound(Math.round(volume), muted);
      paint();
      return;
    }
    if (t.getAttribute && t.getAttribute('data-change') === 'switch-family') {
      const familyId = t.value;
      const ok = await run('switch', 'global', 'switch_family', () => bridge.switchFamily(familyId));
      if (ok) { state.ui.settings = null; gotViewEvent = false; await loadSession(); await loadView(); }
      paint();
    }
  });

  root.addEventListener('input', (e) => {
    const t = e.target;
    if (t.getAttribute && setupActions.input(t)) return;
    if (t.getAttribute && t.getAttribute('data-input') === 'reason' && state.ui.dialog) {
      state.ui.dialog.reason = t.value;
      paint();
    }
    if (t.getAttribute && t.getAttribute('data-input') === 'pair-name' && state.ui.dialog) {
      state.ui.dialog.name = t.value;
      paint();
    }
  });

  // Escape on a native dialog: the page decides (it may be busy), then
  // renders it closed. `cancel` does not bubble: listen while capturing.
  root.addEventListener('cancel', (e) => {
    if (e.target.localName !== 'dialog') return;
    e.preventDefault();
    if (!state.ui.pending.has('dialog')) { closeDialog(); paint(); }
  }, true);
  // Closed by the browser all the same (a second Escape may force it): the
  // page follows, so the next render does not open it again.
  root.addEventListener('close', (e) => {
    if (e.target.localName === 'dialog' && state.ui.dialog) { closeDialog(); paint(); }
  }, true);

  doc.addEventListener('keydown', (e) => {
    if (state.ui.night.asleep) { wake(); paint(); e.preventDefault(); return; }
    const d = state.ui.dialog;
    if (e.key === 'Escape') {
      if (!d && state.ui.confirmCancel) { state.ui.confirmCancel = null; paint(); }
      return;
    }
    if (!d || !needsPin(state.view)) return;
    const typing = e.target && e.target.tagName === 'INPUT';
    if (typing) return;
    if (/^[0-9]$/.test(e.key)) { pinDigit(e.key); paint(); e.preventDefault(); }
    else if (e.key === 'Backspace') { d.pin = (d.pin || '').slice(0, -1); paint(); e.preventDefault(); }
    else if (e.key === 'Enter') { e.preventDefault(); submitDialog().then(paint); }
  });

  // The next wake-up is when something shown changes next; a new view
  // (paint) may bring one sooner, so paint re-arms it too.
  let tickTimer = null;
  function armTick() {
    clearTimeout(tickTimer);
    tickTimer = setTimeout(() => { tick(); armTick(); }, nextChangeIn(state.view, Date.now()));
  }
  armPaint = armTick;
  armTick();
  boot();
  return {
    state,
    chime,
    stop: () => {
      clearTimeout(tickTimer); clearTimeout(recentTimer); armPaint = () => {};
      clearInterval(heartbeat); clearInterval(nightClock); clearTimeout(cursorTimer); chime.reset();
    },
    paint,
  };
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && document.getElementById('app')) {
  startApp();
}
