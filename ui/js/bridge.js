// bridge.js — the only module that talks to the Tauri shell. It wraps
// `window.__TAURI__.core.invoke` and `window.__TAURI__.event.listen` (exposed
// by `app.withGlobalTauri = true`) as named functions, one per command, and
// normalises every rejection to `{code, message}`. Nothing else in the UI
// knows command names or Tauri exists.

import { normalizeError } from './errors.js';

/** The event the core emits with the full DashboardView each time it changes. */
export const VIEW_EVENT = 'dashboard';
/** The event with the desktop services' status (notifications, keyring) when it changes. */
export const DESKTOP_EVENT = 'desktop';
/** The event saying an action taken outside the window (on a notification) failed. */
export const ACTION_ERROR_EVENT = 'action-error';

/** Every command the UI sends, for the shell author to match. */
export const COMMANDS = Object.freeze([
  'get_view',
  'get_session',
  'sign_in',
  'sign_out',
  'host_household',
  'start_timer_from_template',
  'start_timer',
  'pause_timer',
  'resume_timer',
  'extend_timer',
  'cancel_timer',
  'confirm_timer',
  'complete_chore',
  'add_stars',
  'remove_stars',
  'refresh',
  'heartbeat',
  'create_kiosk_pairing',
  'pair_kiosk',
]);

export function createBridge(win = globalThis) {
  const tauri = win && win.__TAURI__;

  function call(cmd, args = {}) {
    if (!tauri || !tauri.core || typeof tauri.core.invoke !== 'function') {
      return Promise.reject({ code: 'no_shell', message: 'the app core is not available' });
    }
    let pending;
    try {
      pending = tauri.core.invoke(cmd, args);
    } catch (e) {
      return Promise.reject(normalizeError(e));
    }
    return Promise.resolve(pending).catch((e) => {
      throw normalizeError(e);
    });
  }

  function listen(event, cb) {
    if (!tauri || !tauri.event || typeof tauri.event.listen !== 'function') {
      return Promise.resolve(() => {});
    }
    return Promise.resolve(tauri.event.listen(event, (e) => cb(e && e.payload)));
  }

  // Optional fields (a PIN) are left out rather than sent as null.
  const withPin = (args, pin) => (pin ? { ...args, pin } : args);

  return {
    available: Boolean(tauri && tauri.core),

    /** Calls `cb(view)` for each DashboardView the core emits; resolves to an unlisten function. */
    onView(cb) {
      if (!tauri || !tauri.event || typeof tauri.event.listen !== 'function') {
        return Promise.resolve(() => {});
      }
      return Promise.resolve(tauri.event.listen(VIEW_EVENT, (e) => cb(e && e.payload)));
    },

    /** Calls `cb(status)` for each desktop status the shell emits. */
    onDesktop: (cb) => listen(DESKTOP_EVENT, cb),

    /** Calls `cb({code, message, command})` when a notification's action failed. */
    onActionError: (cb) => listen(ACTION_ERROR_EVENT, cb),

    getView: () => call('get_view'),
    getSession: () => call('get_session'),
    signIn: ({ serverUrl, email, password }) => call('sign_in', { serverUrl, email, password }),
    signOut: () => call('sign_out', {}),
    hostHousehold: ({ familyName, name, email, password }) =>
      call('host_household', { familyName, name, email, password }),

    startTimerFromTemplate: (memberId, templateId) =>
      call('start_timer_from_template', { memberId, templateId }),
    startTimer: ({ memberId, label, durationSeconds, stars }) =>
      call('start_timer', { memberId, label, durationSeconds, stars }),
    pauseTimer: (timerId) => call('pause_timer', { timerId }),
    resumeTimer: (timerId) => call('resume_timer', { timerId }),
    extendTimer: (timerId, seconds = 300) => call('extend_timer', { timerId, seconds }),
    cancelTimer: (timerId) => call('cancel_timer', { timerId }),
    confirmTimer: (timerId, pin) => call('confirm_timer', withPin({ timerId }, pin)),

    completeChore: (choreId, memberId) => call('complete_chore', { choreId, memberId }),
    addStars: ({ memberId, amount, reason, pin }) =>
      call('add_stars', withPin({ memberId, amount, reason }, pin)),
    removeStars: ({ memberId, amount, reason, pin }) =>
      call('remove_stars', withPin({ memberId, amount, reason }, pin)),

    refresh: () => call('refresh', {}),
    /** The page is alive and shows `screen` (for the kiosk's watchdog). */
    heartbeat: (screen) => call('heartbeat', { screen }),
    /** A one-time code for pairing a kitchen screen: `{code, name, expiresAt, serverUrl}`. */
    createKioskPairing: (name) => call('create_kiosk_pairing', { name }),
    pairKiosk: ({ serverUrl, code }) => call('pair_kiosk', { serverUrl, code }),
  };
}
