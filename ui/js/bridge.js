// bridge.js — the only module that talks to the Tauri shell. It binds the
// generated commands (commands.js, one function per command of the Rust
// core) to `window.__TAURI__.core.invoke`, listens to the core's events
// with `window.__TAURI__.event.listen` (exposed by `app.withGlobalTauri`),
// and normalises every rejection to `{code, message}`. Nothing else in the
// UI knows Tauri exists.

import { EVENTS, bindCommands } from './commands.js';
import { normalizeError } from './errors.js';

export function createBridge(win = globalThis) {
  const tauri = win && win.__TAURI__;

  function call(cmd, args = {}) {
    if (!tauri || !tauri.core || typeof tauri.core.invoke !== 'function') {
      return Promise.reject({ code: 'internal', message: 'the app core is not available' });
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

  return {
    available: Boolean(tauri && tauri.core),
    ...bindCommands(call),

    /** Calls `cb(view)` for each DashboardView the core emits; resolves to an unlisten function. */
    onView: (cb) => listen(EVENTS.dashboard, cb),
    /** Calls `cb(session)` whenever who is signed in changes (signed out by
     *  the server, set up as a kitchen screen, another family shown). */
    onSession: (cb) => listen(EVENTS.session, cb),
    /** Calls `cb(status)` for each desktop status the shell emits. */
    onDesktop: (cb) => listen(EVENTS.desktop, cb),
    /** Calls `cb({code, message, command})` when a notification's action failed. */
    onActionError: (cb) => listen(EVENTS.actionError, cb),
    /** Calls `cb({hosting})` when the tray's Quit wants the page to ask first. */
    onQuitRequested: (cb) => listen(EVENTS.quitRequested, cb),
  };
}
