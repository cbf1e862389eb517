// commands.js — the app core's commands and events, generated from their
// one definition in Rust (src-tauri/src/commands) by
// `KINBOARD_BLESS=1 cargo test -p kinboard bindings`. Do not edit: the
// test suite fails when this file is stale.

/**
 * How every command rejects.
 * @typedef {Object} CommandError
 * @property {ErrorCode} code
 * @property {string} message - a sentence for people; never matched
 */

/**
 * An action taken on a notification failed.
 * @typedef {Object} ActionError
 * @property {ErrorCode} code
 * @property {string} command - The command it stands for (`confirm_timer`, `extend_timer`).
 * @property {string} message
 */

/**
 * @typedef {Object} ChoreView
 * @property {number|null} [completedAt] - When it was done today (family time zone); `null` when not yet.
 * @property {string|null} [completedBy]
 * @property {string} id
 * @property {string} label
 * @property {string|null} [memberId]
 * @property {number} stars
 */

/**
 * What the connection chip shows.
 * @typedef {'live'|'reconnecting'|'offline'} ConnectionStatus
 */

/**
 * @typedef {Object} ConnectionView
 * @property {number|null} [lastSyncedAt] - Local time (ms epoch) the state was last known to match the server.
 * @property {ConnectionStatus} state
 */

/**
 * Everything the dashboard shows.
 * @typedef {Object} DashboardView
 * @property {Array<ChoreView>} chores
 * @property {ConnectionView} connection
 * @property {null|FamilyView} [family]
 * @property {null|LastError} [lastError]
 * @property {Array<MemberView>} members
 * @property {number} revision
 * @property {Role} role
 * @property {number} serverOffsetMs - `server = local + serverOffsetMs`.
 * @property {Array<TemplateView>} templates
 * @property {Array<TimerView>} timers
 */

/**
 * Every desktop service at once.
 * @typedef {Object} DesktopStatus
 * @property {ServiceStatus} keyring
 * @property {ServiceStatus} notifications
 */

/**
 * Why something failed.
 * @typedef {'unauthorized'|'invalid_credentials'|'forbidden'|'pin_required'|'wrong_pin'|'no_pin_set'|'too_many_attempts'|'not_found'|'method_not_allowed'|'bad_request'|'invalid'|'conflict'|'email_taken'|'insufficient_stars'|'idempotency_key_reused'|'unsupported_media_type'|'payload_too_large'|'internal'|'network'|'timeout'|'bad_reply'|'not_signed_in'|'no_family'|'invalid_address'|'host_failed'} ErrorCode
 */

/**
 * @typedef {Object} FamilyView
 * @property {string} id
 * @property {string} name
 * @property {string} timeZone
 */

/**
 * A failure of background work (a reload, the subscription), for the
 * banner; user actions report their own errors to their caller.
 * @typedef {Object} LastError
 * @property {string} action - The command it belongs to (`refresh`).
 * @property {ErrorCode} code
 * @property {string} message
 */

/**
 * @typedef {Object} MemberView
 * @property {number} balance
 * @property {string} color
 * @property {string} id
 * @property {string} name
 * @property {number} weeklyStars
 */

/**
 * Which kind of server this app talks to, as the page sees it.
 * @typedef {'demo'|'host'|'client'} ModeKind
 */

/**
 * A one-time pairing code, and the address the kitchen screen reaches
 * the household server at.
 * @typedef {Object} PairingView
 * @property {string} code
 * @property {number} expiresAt - When the code stops working (ms epoch, server time).
 * @property {string} name
 * @property {string} serverUrl
 */

/**
 * A caller's standing in a family.
 * @typedef {'parent'|'kiosk'} Role
 */

/**
 * Whether one desktop service works.
 * @typedef {{state: 'unknown'}|{state: 'available'}|{state: 'notUsed'}|{reason: string, state: 'unavailable'}} ServiceStatus
 */

/**
 * Who is signed in here, as the page shows it.
 * @typedef {Object} SessionView
 * @property {DesktopStatus} desktop
 * @property {string|null} [email] - The parent's email (none for a kitchen screen).
 * @property {boolean} kiosk - A kitchen screen: started as one, or signed in with a kiosk token.
 * @property {ModeKind} mode
 * @property {string|null} [serverUrl]
 * @property {boolean} signedIn
 */

/**
 * @typedef {Object} TemplateView
 * @property {number} durationSeconds
 * @property {string} id
 * @property {string} label
 * @property {number} stars
 */

/**
 * @typedef {'running'|'paused'|'expired'|'completed'|'cancelled'} TimerState
 */

/**
 * @typedef {Object} TimerView
 * @property {number} durationMs
 * @property {number|null} [endsAt] - Server time (ms epoch) a running timer ends at.
 * @property {string} id
 * @property {string} label
 * @property {string} memberId
 * @property {number|null} [remainingMs] - What a paused timer has left.
 * @property {number} stars
 * @property {TimerState} state
 * @property {string|null} [templateId]
 */

/** Every error code a command or event can carry. */
export const ERROR_CODES = Object.freeze([
  'unauthorized',
  'invalid_credentials',
  'forbidden',
  'pin_required',
  'wrong_pin',
  'no_pin_set',
  'too_many_attempts',
  'not_found',
  'method_not_allowed',
  'bad_request',
  'invalid',
  'conflict',
  'email_taken',
  'insufficient_stars',
  'idempotency_key_reused',
  'unsupported_media_type',
  'payload_too_large',
  'internal',
  'network',
  'timeout',
  'bad_reply',
  'not_signed_in',
  'no_family',
  'invalid_address',
  'host_failed',
]);

/** The events the core emits, by name, with their payload types. */
export const EVENTS = Object.freeze({
  /** @type {'dashboard'} payload: {@link DashboardView} */
  dashboard: 'dashboard',
  /** @type {'desktop'} payload: {@link DesktopStatus} */
  desktop: 'desktop',
  /** @type {'action-error'} payload: {@link ActionError} */
  actionError: 'action-error',
});

/** Every command, and which screens may call it (`every`, or `parent` windows only). */
export const COMMANDS = Object.freeze({
  get_view: 'every',
  get_session: 'every',
  sign_out: 'every',
  start_timer_from_template: 'every',
  start_timer: 'every',
  pause_timer: 'every',
  resume_timer: 'every',
  extend_timer: 'every',
  cancel_timer: 'every',
  confirm_timer: 'every',
  complete_chore: 'every',
  add_stars: 'every',
  remove_stars: 'every',
  refresh: 'every',
  heartbeat: 'every',
  pair_kiosk: 'every',
  sign_in: 'parent',
  host_household: 'parent',
  create_kiosk_pairing: 'parent',
});

/**
 * The commands as functions, each sending its arguments by name.
 * @param {(command: string, args: Object) => Promise<*>} invoke
 */
export function bindCommands(invoke) {
  return {
    /**
     * The dashboard as it is now (later ones arrive as `dashboard` events).
     * @returns {Promise<DashboardView>} rejects with a {@link CommandError}
     */
    getView: () => invoke('get_view', {}),
    /**
     * Who is signed in here, in which mode, and how the desktop services are.
     * @returns {Promise<SessionView>} rejects with a {@link CommandError}
     */
    getSession: () => invoke('get_session', {}),
    /**
     * Signs out here and at the server (a kitchen screen forgets its token;
     * a parent revokes it).
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    signOut: () => invoke('sign_out', {}),
    /**
     * Starts a timer for a child from a template.
     * @param {string} memberId
     * @param {string} templateId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    startTimerFromTemplate: (memberId, templateId) => invoke('start_timer_from_template', { memberId, templateId }),
    /**
     * Starts a one-off timer for a child.
     * @param {string} memberId
     * @param {string} label
     * @param {number} durationSeconds
     * @param {number} [stars]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    startTimer: (memberId, label, durationSeconds, stars) => invoke('start_timer', { memberId, label, durationSeconds, stars }),
    /**
     * Pauses a running timer.
     * @param {string} timerId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    pauseTimer: (timerId) => invoke('pause_timer', { timerId }),
    /**
     * Resumes a paused timer.
     * @param {string} timerId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    resumeTimer: (timerId) => invoke('resume_timer', { timerId }),
    /**
     * Adds time (5 minutes unless `seconds` says otherwise); a timer that
     * ran out starts again.
     * @param {string} timerId
     * @param {number} [seconds]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    extendTimer: (timerId, seconds) => invoke('extend_timer', { timerId, seconds }),
    /**
     * Cancels a timer (a kitchen screen sends the parent PIN).
     * @param {string} timerId
     * @param {string} [pin]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    cancelTimer: (timerId, pin) => invoke('cancel_timer', { timerId, pin }),
    /**
     * Confirms a timer and awards its stars (a kitchen screen sends the
     * parent PIN).
     * @param {string} timerId
     * @param {string} [pin]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    confirmTimer: (timerId, pin) => invoke('confirm_timer', { timerId, pin }),
    /**
     * Marks a chore done by a child and awards its stars.
     * @param {string} choreId
     * @param {string} memberId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    completeChore: (choreId, memberId) => invoke('complete_chore', { choreId, memberId }),
    /**
     * Gives a child stars (a kitchen screen sends the parent PIN).
     * @param {string} memberId
     * @param {number} amount
     * @param {string} [reason]
     * @param {string} [pin]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    addStars: (memberId, amount, reason, pin) => invoke('add_stars', { memberId, amount, reason, pin }),
    /**
     * Takes stars from a child (a kitchen screen sends the parent PIN).
     * @param {string} memberId
     * @param {number} amount
     * @param {string} [reason]
     * @param {string} [pin]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    removeStars: (memberId, amount, reason, pin) => invoke('remove_stars', { memberId, amount, reason, pin }),
    /**
     * Reloads everything (reconnecting at once if the connection is down);
     * resolves when the reload is applied.
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    refresh: () => invoke('refresh', {}),
    /**
     * The page is alive and shows `screen` (every few seconds, on a kitchen
     * screen): the watchdog reloads a page that stops saying so.
     * @param {string} [screen]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    heartbeat: (screen) => invoke('heartbeat', { screen }),
    /**
     * Pairs this screen as a kitchen screen with the code a parent's window
     * shows.
     * @param {string} serverUrl
     * @param {string} code
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    pairKiosk: (serverUrl, code) => invoke('pair_kiosk', { serverUrl, code }),
    /**
     * Signs in to a household server (this computer's, when it hosts one and
     * no address is given).
     * @param {string} [serverUrl]
     * @param {string} email
     * @param {string} password
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    signIn: (serverUrl, email, password) => invoke('sign_in', { serverUrl, email, password }),
    /**
     * Hosts a new household on this computer: starts its server, creates the
     * first parent and the family, and signs in.
     * @param {string} familyName
     * @param {string} name
     * @param {string} email
     * @param {string} password
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    hostHousehold: (familyName, name, email, password) => invoke('host_household', { familyName, name, email, password }),
    /**
     * A one-time code (10 minutes) that pairs a kitchen screen named `name`
     * with this family, and the address that screen reaches the server at.
     * @param {string} name
     * @returns {Promise<PairingView>} rejects with a {@link CommandError}
     */
    createKioskPairing: (name) => invoke('create_kiosk_pairing', { name }),
  };
}
