// commands.js — the app core's commands and events, generated from their
// one definition in Rust (src-tauri/src/commands) by
// `KINBOARD_BLESS=1 cargo test -p kinboard bindings`. Do not edit: the
// test suite fails when this file is stale.

/**
 * How every command rejects.
 * @typedef {Object} CommandError
 * @property {ErrorCode} code
 * @property {string} message - a sentence for people; never matched
 * @property {number=} retryAfter - seconds until trying again is worth it, when the server said
 * @property {CertificateSeen=} certificate - the certificate a server showed, when one was refused (`certificate_unconfirmed`, `certificate_changed`)
 */

/**
 * An action taken on a notification failed.
 * @typedef {Object} ActionError
 * @property {ErrorCode} code
 * @property {string} command - The command it stands for (`confirm_timer`, `extend_timer`).
 * @property {string} message
 */

/**
 * The certificate a server showed, in a certificate error: its
 * fingerprint (to trust it with) and its check code (to compare).
 * @typedef {Object} CertificateSeen
 * @property {string} code
 * @property {string} fingerprint
 */

/**
 * Who turns a completed chore into stars.
 * @typedef {'auto'|'parent'} ChoreApproval
 */

/**
 * @typedef {Object} ChoreView
 * @property {Array<number>} days - ISO days of the week it is due (1 = Monday); empty, every day.
 * @property {Array<DoneView>} done - Today's completions (family time zone) that count, one per child at most: done, or waiting for a parent.
 * @property {boolean} dueToday - Whether today (family time zone) is one of them: the board shows only those, the settings all.
 * @property {string} id
 * @property {string} label
 * @property {string|null} [memberId]
 * @property {number} stars
 */

/**
 * A colour a child may have.
 * @typedef {Object} ColorView
 * @property {string} hex - `#rrggbb`.
 * @property {string} name
 */

/**
 * Where a chore completion stands.
 * @typedef {'approved'|'pending'|'rejected'|'undone'} CompletionStatus
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
 * @property {Array<PendingView>} pending - Completions waiting for a parent, oldest first.
 * @property {Array<RedemptionView>} redemptions - This week's redemptions and those waiting for a parent, newest first.
 * @property {number} revision
 * @property {Array<RewardView>} rewards
 * @property {Role} role
 * @property {number} serverOffsetMs - `server = local + serverOffsetMs`.
 * @property {null|SettingsView} [settings]
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
 * A child's completion of a chore today.
 * @typedef {Object} DoneView
 * @property {number} completedAt
 * @property {string} completionId - For undoing it (or approving it).
 * @property {string} memberId
 * @property {boolean} mine - This screen marked it done (so it may undo it for a few seconds).
 * @property {CompletionStatus} status - `approved`, or `pending` while it waits for a parent.
 */

/**
 * What a ledger entry is for.
 * @typedef {'manual'|'chore'|'timer'|'reward'|'undo'} EntryKind
 */

/**
 * Why something failed.
 * @typedef {'unauthorized'|'invalid_credentials'|'forbidden'|'pin_required'|'wrong_pin'|'no_pin_set'|'signup_closed'|'too_many_attempts'|'not_found'|'method_not_allowed'|'bad_request'|'invalid'|'conflict'|'email_taken'|'insufficient_stars'|'last_parent'|'not_due_today'|'already_done_today'|'undo_expired'|'already_undone'|'not_undoable'|'not_pending'|'reward_limit_reached'|'idempotency_key_reused'|'unsupported_media_type'|'payload_too_large'|'internal'|'network'|'timeout'|'bad_reply'|'not_signed_in'|'no_family'|'not_kinboard'|'incompatible_server'|'invalid_address'|'host_failed'|'save_failed'|'certificate_unconfirmed'|'certificate_changed'|'unencrypted'} ErrorCode
 */

/**
 * A family as `/api/me` lists it, with the caller's role there.
 * @typedef {Object} FamilyRole
 * @property {string} id
 * @property {string} name
 * @property {Role} role
 */

/**
 * @typedef {Object} FamilyView
 * @property {ChoreApproval} choreApproval - Whether a kitchen screen's chores wait for a parent.
 * @property {boolean} hasPin - Whether a parent PIN is set (a kitchen screen needs it).
 * @property {string} id
 * @property {string} name
 * @property {null|NightHours} [night]
 * @property {string|null} [pinLockedOn] - The kitchen screen the wrong PINs came from, by name, when known.
 * @property {number|null} [pinLockedUntil] - While wrong PINs keep the PIN locked: until when (server ms epoch).
 * @property {string} timeZone
 */

/**
 * A household server announced on the network.
 * @typedef {Object} FoundHousehold
 * @property {string|null} [household] - The household's name, when the server said it.
 * @property {string} name - The announcement's name ("Kinboard on kitchen-pc").
 * @property {null|ServerProblem} [problem]
 * @property {string} serverUrl - Where this app would reach it.
 */

/**
 * What the hosting flow starts from.
 * @typedef {Object} HostDefaults
 * @property {Starters} starters
 * @property {string} timeZone - This computer's time zone.
 * @property {Array<string>} timeZones - Every zone to choose from.
 */

/**
 * A new invite: its code is shown this once.
 * @typedef {Object} InviteCode
 * @property {string|null} [certificateCode] - The check code of the server's certificate, which the other parent's app shows on first contact for comparing.
 * @property {string} code
 * @property {number} expiresAt
 * @property {string} serverUrl - Where the other parent's app reaches the household server.
 */

/**
 * An invite still open (its code was shown once, to its maker).
 * @typedef {Object} InviteView
 * @property {number} createdAt
 * @property {number} expiresAt
 * @property {string} id
 * @property {string} madeBy - The name of the parent who made it.
 */

/**
 * A kitchen screen paired with the family.
 * @typedef {Object} KioskView
 * @property {string} id
 * @property {number|null} [lastSeenAt] - When it last made a request (to the minute); `null` when never.
 * @property {string} name
 * @property {number} pairedAt
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
 * The family's night, when kitchen screens go dark and quiet: from
 * `from` to `to`, local times `HH:MM` in the family's time zone (`to`
 * before `from` runs across midnight, as 21:00–07:00 does).
 * @typedef {Object} NightHours
 * @property {string} from
 * @property {string} to
 */

/**
 * One of the parent's open sessions, as the account settings list them.
 * @typedef {Object} OpenSessionView
 * @property {boolean} current - The session of this app.
 * @property {number} expiresAt
 * @property {string} id
 * @property {number} signedInAt
 */

/**
 * A one-time pairing code, and the address the kitchen screen reaches
 * the household server at.
 * @typedef {Object} PairingView
 * @property {string|null} [certificateCode] - The check code of the server's certificate, which the kitchen screen shows on first contact for a person to compare.
 * @property {string} code
 * @property {number} expiresAt - When the code stops working (ms epoch, server time).
 * @property {string} name
 * @property {string} serverUrl
 */

/**
 * A parent of the family, as the settings list them.
 * @typedef {Object} ParentView
 * @property {string} id
 * @property {number} joinedAt
 * @property {string} name
 * @property {boolean} you - The parent signed in here.
 */

/**
 * A completion waiting for a parent (from any day).
 * @typedef {Object} PendingView
 * @property {string} choreId
 * @property {string} choreLabel
 * @property {number} completedAt
 * @property {string} completionId
 * @property {string} memberId
 * @property {number} stars
 */

/**
 * The page is asked to confirm quitting (the `quit-requested` event).
 * @typedef {Object} QuitRequest
 * @property {boolean} hosting - This computer hosts the household: the other screens lose their server until Kinboard runs here again.
 */

/**
 * A redemption this week.
 * @typedef {Object} RedemptionView
 * @property {number} cost
 * @property {number} createdAt
 * @property {string|null} [entryId] - The ledger entry holding its stars: undoing it gives them back (none while it waits).
 * @property {string} id
 * @property {string} memberId
 * @property {boolean} mine - This screen redeemed it (so it may undo it for a few seconds).
 * @property {string} rewardId
 * @property {CompletionStatus} status - `approved` (spent), or `pending` while it waits for a parent.
 * @property {string} title
 */

/**
 * A reward in the catalogue, with what each child had of it this week.
 * @typedef {Object} RewardView
 * @property {number} cost
 * @property {string} id
 * @property {Array<string>} redeemedBy - Children who had it this week, once per time.
 * @property {string} title
 * @property {number|null} [weeklyLimit] - Times per child per week; `null`, no limit.
 */

/**
 * A caller's standing in a family.
 * @typedef {'parent'|'kiosk'} Role
 */

/**
 * `GET /api/info`: what answers at this address, asked before anything
 * else so that a device can tell a Kinboard household server of a
 * version it speaks from anything else.
 * @typedef {Object} ServerInfo
 * @property {number} api - The API generation it speaks ([`API_VERSION`](crate::API_VERSION)).
 * @property {string|null} [household] - The household's name, for a list of the servers found on the network (the first family's; none before one exists).
 * @property {string} product - Always [`PRODUCT`](crate::PRODUCT).
 * @property {string} version - The server's version.
 */

/**
 * Why a server cannot be used: one of `network`, `timeout`,
 * `not_kinboard`, `incompatible_server`, and a sentence.
 * @typedef {Object} ServerProblem
 * @property {ErrorCode} code
 * @property {string} message
 */

/**
 * Whether one desktop service works.
 * @typedef {{state: 'unknown'}|{state: 'available'}|{state: 'notUsed'}|{reason: string, state: 'unavailable'}} ServiceStatus
 */

/**
 * Who is signed in here, as the page shows it.
 * @typedef {Object} SessionView
 * @property {string|null} [certificateCode] - The check code of the household server's certificate this screen trusts, for a person to compare with another screen's (none over plain HTTP, or for a server a public authority vouches for).
 * @property {DesktopStatus} desktop
 * @property {string|null} [email] - The parent's email (none for a kitchen screen).
 * @property {Array<FamilyRole>} families - Every family of the account (a kitchen screen's one).
 * @property {string|null} [familyId] - The family shown.
 * @property {boolean} kiosk - A kitchen screen: started as one, set up as one, or signed in with a kiosk token.
 * @property {ModeKind} mode
 * @property {string|null} [serverUrl]
 * @property {boolean} signedIn
 */

/**
 * What the family settings show a parent (a kitchen screen has none).
 * Children, chores and templates are the dashboard's own lists.
 * @typedef {Object} SettingsView
 * @property {Array<ColorView>} colors - The colours a child may have, in the order to offer them.
 * @property {Array<InviteView>} invites
 * @property {Array<KioskView>} kiosks
 * @property {Array<ParentView>} parents
 */

/**
 * How this screen sounds when a timer runs out: a setting of the device
 * (the kitchen screen may be loud, a parent's laptop quiet), not of the
 * family.
 * @typedef {Object} SoundSettings
 * @property {boolean} muted - No chime at all (notifications keep their own sound).
 * @property {number} volume - The chime's volume, 0 to 100.
 */

/**
 * One line of a child's star ledger.
 * @typedef {Object} StarEntry
 * @property {number} amount - Positive for stars earned or given, negative for stars taken away.
 * @property {string|null} [by] - Who wrote it: a parent's or a kitchen screen's name (none for entries older than that record, and for the server's own).
 * @property {number} createdAt
 * @property {string} id
 * @property {EntryKind} [kind]
 * @property {string} memberId
 * @property {string} reason
 * @property {string|null} [reverses] - The entry this one takes back (an undo).
 * @property {number|null} [undoneAt] - When another entry took this one back.
 */

/**
 * `GET /api/families/{familyId}/members/{memberId}/stars`.
 * @typedef {Object} StarsResponse
 * @property {number} balance
 * @property {Array<StarEntry>} entries - The latest 100 ledger entries, newest first.
 * @property {string} memberId
 * @property {Array<WeekStars>} [perWeek] - Stars earned per week, oldest first, ending with this week (`?weeks=`, 12 unless asked, at most 104).
 * @property {number} weekStart
 * @property {number} weekly - Stars earned since Monday 00:00 in the family's time zone.
 */

/**
 * A chore to offer.
 * @typedef {Object} StarterChore
 * @property {number} stars
 * @property {string} title
 */

/**
 * A timer template to offer.
 * @typedef {Object} StarterTemplate
 * @property {number} durationSeconds
 * @property {string} label
 * @property {number} stars
 */

/**
 * The chores and templates a new household is offered.
 * @typedef {Object} Starters
 * @property {Array<StarterChore>} chores
 * @property {Array<StarterTemplate>} templates
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

/**
 * Stars earned in one week (rewards left out).
 * @typedef {Object} WeekStars
 * @property {number} stars
 * @property {number} weekStart - Monday 00:00 in the family's time zone.
 */

/** Every error code a command or event can carry. */
export const ERROR_CODES = Object.freeze([
  'unauthorized',
  'invalid_credentials',
  'forbidden',
  'pin_required',
  'wrong_pin',
  'no_pin_set',
  'signup_closed',
  'too_many_attempts',
  'not_found',
  'method_not_allowed',
  'bad_request',
  'invalid',
  'conflict',
  'email_taken',
  'insufficient_stars',
  'last_parent',
  'not_due_today',
  'already_done_today',
  'undo_expired',
  'already_undone',
  'not_undoable',
  'not_pending',
  'reward_limit_reached',
  'idempotency_key_reused',
  'unsupported_media_type',
  'payload_too_large',
  'internal',
  'network',
  'timeout',
  'bad_reply',
  'not_signed_in',
  'no_family',
  'not_kinboard',
  'incompatible_server',
  'invalid_address',
  'host_failed',
  'save_failed',
  'certificate_unconfirmed',
  'certificate_changed',
  'unencrypted',
]);

/** The events the core emits, by name, with their payload types. */
export const EVENTS = Object.freeze({
  /** @type {'dashboard'} payload: {@link DashboardView} */
  dashboard: 'dashboard',
  /** @type {'session'} payload: {@link SessionView} */
  session: 'session',
  /** @type {'desktop'} payload: {@link DesktopStatus} */
  desktop: 'desktop',
  /** @type {'action-error'} payload: {@link ActionError} */
  actionError: 'action-error',
  /** @type {'quit-requested'} payload: {@link QuitRequest} */
  quitRequested: 'quit-requested',
});

/** Every command, and which screens may call it (`every`, or `parent` windows only). */
export const COMMANDS = Object.freeze({
  get_view: 'every',
  get_session: 'every',
  diagnostics: 'every',
  sign_out: 'every',
  start_timer_from_template: 'every',
  start_timer: 'every',
  pause_timer: 'every',
  resume_timer: 'every',
  extend_timer: 'every',
  cancel_timer: 'every',
  confirm_timer: 'every',
  complete_chore: 'every',
  undo_completion: 'every',
  redeem_reward: 'every',
  undo_star_entry: 'every',
  add_stars: 'every',
  remove_stars: 'every',
  refresh: 'every',
  heartbeat: 'every',
  pair_kiosk: 'every',
  find_households: 'every',
  check_server: 'every',
  sound_settings: 'every',
  set_sound: 'every',
  kiosk_night: 'every',
  sign_in: 'parent',
  host_defaults: 'parent',
  host_household: 'parent',
  join_household: 'parent',
  switch_family: 'parent',
  create_kiosk_pairing: 'parent',
  update_family: 'parent',
  set_night: 'parent',
  approve_completion: 'parent',
  reject_completion: 'parent',
  approve_redemption: 'parent',
  reject_redemption: 'parent',
  add_reward: 'parent',
  update_reward: 'parent',
  remove_reward: 'parent',
  member_history: 'parent',
  export_ledger: 'parent',
  set_pin: 'parent',
  add_child: 'parent',
  update_child: 'parent',
  remove_child: 'parent',
  add_chore: 'parent',
  update_chore: 'parent',
  remove_chore: 'parent',
  add_template: 'parent',
  update_template: 'parent',
  remove_template: 'parent',
  create_invite: 'parent',
  revoke_invite: 'parent',
  remove_parent: 'parent',
  list_kiosks: 'parent',
  list_sessions: 'parent',
  end_session: 'parent',
  change_password: 'parent',
  revoke_kiosk: 'parent',
  quit: 'parent',
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
     * What to send along when something is wrong: versions, the server's
     * address, who is signed in (never a token), the connection, the last
     * error, where the log files are — as text to copy.
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    diagnostics: () => invoke('diagnostics', {}),
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
     * Marks a chore done by a child: its stars at once, or, where parents
     * approve a kitchen screen's chores, once a parent does.
     * @param {string} choreId
     * @param {string} memberId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    completeChore: (choreId, memberId) => invoke('complete_chore', { choreId, memberId }),
    /**
     * Takes a chore completion back: on the screen that marked it, for a few
     * seconds; on a parent's, at any time.
     * @param {string} completionId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    undoCompletion: (completionId) => invoke('undo_completion', { completionId }),
    /**
     * A child spends stars on a reward (a kitchen screen sends the parent
     * PIN, or asks a parent without it where parents approve); resolves to
     * the ledger entry holding the stars, for undoing it (`null` while it
     * waits for a parent).
     * @param {string} rewardId
     * @param {string} memberId
     * @param {string} [pin]
     * @returns {Promise<string|null>} rejects with a {@link CommandError}
     */
    redeemReward: (rewardId, memberId, pin) => invoke('redeem_reward', { rewardId, memberId, pin }),
    /**
     * Takes a star change back (a redeemed reward gives its stars back): on
     * the screen that made it, for a few seconds; on a parent's, at any time.
     * @param {string} entryId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    undoStarEntry: (entryId) => invoke('undo_star_entry', { entryId }),
    /**
     * Gives a child stars (a kitchen screen sends the parent PIN); resolves
     * to the ledger entry, for undoing it.
     * @param {string} memberId
     * @param {number} amount
     * @param {string} [reason]
     * @param {string} [pin]
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    addStars: (memberId, amount, reason, pin) => invoke('add_stars', { memberId, amount, reason, pin }),
    /**
     * Takes stars from a child (a kitchen screen sends the parent PIN);
     * resolves to the ledger entry, for undoing it.
     * @param {string} memberId
     * @param {number} amount
     * @param {string} [reason]
     * @param {string} [pin]
     * @returns {Promise<string>} rejects with a {@link CommandError}
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
     * shows. A server certificate new to this screen fails with
     * `certificate_unconfirmed` and the certificate seen; once a person has
     * compared its check code with the parent's window, the same call with
     * `certificate` (the fingerprint) trusts it.
     * @param {string} serverUrl
     * @param {string} code
     * @param {string} [certificate]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    pairKiosk: (serverUrl, code, certificate) => invoke('pair_kiosk', { serverUrl, code, certificate }),
    /**
     * The household servers announced on this network, each checked: a
     * kitchen screen and a joining parent pick one (or type an address).
     * @returns {Promise<Array<FoundHousehold>>} rejects with a {@link CommandError}
     */
    findHouseholds: () => invoke('find_households', {}),
    /**
     * What answers at `server_url`: a Kinboard household server this app can
     * use, or an error saying why not (not reachable, not Kinboard, another
     * version).
     * @param {string} serverUrl
     * @returns {Promise<ServerInfo>} rejects with a {@link CommandError}
     */
    checkServer: (serverUrl) => invoke('check_server', { serverUrl }),
    /**
     * How this screen sounds when a timer runs out (its own setting).
     * @returns {Promise<SoundSettings>} rejects with a {@link CommandError}
     */
    soundSettings: () => invoke('sound_settings', {}),
    /**
     * Sets this screen's chime: its volume (0 to 100) and whether it is muted.
     * @param {number} volume
     * @param {boolean} muted
     * @returns {Promise<SoundSettings>} rejects with a {@link CommandError}
     */
    setSound: (volume, muted) => invoke('set_sound', { volume, muted }),
    /**
     * A kitchen screen dimmed for the night (`asleep`) lets the display
     * blank; woken (a touch, a timer running out, the morning) it keeps it on
     * again. Nothing on a parent's window.
     * @param {boolean} asleep
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    kioskNight: (asleep) => invoke('kiosk_night', { asleep }),
    /**
     * Signs in to a household server (this computer's, when it hosts one and
     * no address is given). A certificate new to this screen is confirmed
     * with `certificate`, as for `pair_kiosk`.
     * @param {string} [serverUrl]
     * @param {string} email
     * @param {string} password
     * @param {string} [certificate]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    signIn: (serverUrl, email, password, certificate) => invoke('sign_in', { serverUrl, email, password, certificate }),
    /**
     * This computer's time zone, the zones to choose from, and the chores
     * and templates a new household is offered.
     * @returns {Promise<HostDefaults>} rejects with a {@link CommandError}
     */
    hostDefaults: () => invoke('host_defaults', {}),
    /**
     * Hosts a new household on this computer: starts its server, creates the
     * first parent and the family (in `time_zone`, this computer's when
     * none), and signs in.
     * @param {string} familyName
     * @param {string} [timeZone]
     * @param {string} name
     * @param {string} email
     * @param {string} password
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    hostHousehold: (familyName, timeZone, name, email, password) => invoke('host_household', { familyName, timeZone, name, email, password }),
    /**
     * Joins a household as a parent with an invite code: with `name`, as a
     * new parent (an account is made); without, by signing in. A certificate
     * new to this screen is confirmed with `certificate`, as for `pair_kiosk`.
     * @param {string} [serverUrl]
     * @param {string} code
     * @param {string} [name]
     * @param {string} email
     * @param {string} password
     * @param {string} [certificate]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    joinHousehold: (serverUrl, code, name, email, password, certificate) => invoke('join_household', { serverUrl, code, name, email, password, certificate }),
    /**
     * Shows another of the parent's families.
     * @param {string} familyId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    switchFamily: (familyId) => invoke('switch_family', { familyId }),
    /**
     * A one-time code (10 minutes) that pairs a kitchen screen named `name`
     * with this family, and the address that screen reaches the server at.
     * @param {string} name
     * @returns {Promise<PairingView>} rejects with a {@link CommandError}
     */
    createKioskPairing: (name) => invoke('create_kiosk_pairing', { name }),
    /**
     * Renames the family, moves it to another time zone, or sets whether a
     * kitchen screen's chores wait for a parent (`auto` or `parent`).
     * @param {string} [name]
     * @param {string} [timeZone]
     * @param {ChoreApproval} [choreApproval]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    updateFamily: (name, timeZone, choreApproval) => invoke('update_family', { name, timeZone, choreApproval }),
    /**
     * Sets when the family's kitchen screens dim for the night (`from` and
     * `to` as `HH:MM` in the family's time zone), or with none, that they
     * never do.
     * @param {NightHours} [night]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    setNight: (night) => invoke('set_night', { night }),
    /**
     * Approves a chore a kitchen screen marked done: its stars are awarded.
     * @param {string} completionId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    approveCompletion: (completionId) => invoke('approve_completion', { completionId }),
    /**
     * Rejects a chore a kitchen screen marked done: nothing is awarded.
     * @param {string} completionId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    rejectCompletion: (completionId) => invoke('reject_completion', { completionId }),
    /**
     * Approves a reward a kitchen screen asked for: its stars are spent.
     * @param {string} redemptionId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    approveRedemption: (redemptionId) => invoke('approve_redemption', { redemptionId }),
    /**
     * Rejects a reward a kitchen screen asked for: nothing is spent.
     * @param {string} redemptionId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    rejectRedemption: (redemptionId) => invoke('reject_redemption', { redemptionId }),
    /**
     * Adds a reward (1 to 1,000 stars; a weekly limit per child, optional);
     * resolves to its id.
     * @param {string} title
     * @param {number} cost
     * @param {number} [weeklyLimit]
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    addReward: (title, cost, weeklyLimit) => invoke('add_reward', { title, cost, weeklyLimit }),
    /**
     * Changes a reward's title, cost and weekly limit (`null`: none).
     * @param {string} rewardId
     * @param {string} title
     * @param {number} cost
     * @param {number} [weeklyLimit]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    updateReward: (rewardId, title, cost, weeklyLimit) => invoke('update_reward', { rewardId, title, cost, weeklyLimit }),
    /**
     * Takes a reward off the catalogue (what was redeemed stays in the ledger).
     * @param {string} rewardId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    removeReward: (rewardId) => invoke('remove_reward', { rewardId }),
    /**
     * A child's stars: the ledger (when, why, how many, by whom) and the
     * stars earned in each of the last 12 weeks.
     * @param {string} memberId
     * @returns {Promise<StarsResponse>} rejects with a {@link CommandError}
     */
    memberHistory: (memberId) => invoke('member_history', { memberId }),
    /**
     * Saves a child's whole ledger as a CSV file in the Downloads folder
     * (the home folder when there is none); resolves to its path.
     * @param {string} memberId
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    exportLedger: (memberId) => invoke('export_ledger', { memberId }),
    /**
     * Sets the parent PIN (4 to 8 digits); replacing one needs the current
     * PIN or the parent's password.
     * @param {string} pin
     * @param {string} [currentPin]
     * @param {string} [password]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    setPin: (pin, currentPin, password) => invoke('set_pin', { pin, currentPin, password }),
    /**
     * Adds a child (with one of the board's colours, or the next free one);
     * resolves to their id.
     * @param {string} name
     * @param {string} [color]
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    addChild: (name, color) => invoke('add_child', { name, color }),
    /**
     * Renames a child and sets their colour.
     * @param {string} memberId
     * @param {string} name
     * @param {string} color
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    updateChild: (memberId, name, color) => invoke('update_child', { memberId, name, color }),
    /**
     * Takes a child off the board; their star history stays.
     * @param {string} memberId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    removeChild: (memberId) => invoke('remove_child', { memberId }),
    /**
     * Adds a chore, for one child or (without `member_id`) any, due on
     * `days` (ISO weekdays; none or empty, every day); resolves to its id.
     * @param {string} title
     * @param {number} stars
     * @param {string} [memberId]
     * @param {Array<number>} [days]
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    addChore: (title, stars, memberId, days) => invoke('add_chore', { title, stars, memberId, days }),
    /**
     * Changes a chore: its title, its stars, whose it is (none: any
     * child's) and, when given, the days it is due (empty: every day).
     * @param {string} choreId
     * @param {string} title
     * @param {number} stars
     * @param {string} [memberId]
     * @param {Array<number>} [days]
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    updateChore: (choreId, title, stars, memberId, days) => invoke('update_chore', { choreId, title, stars, memberId, days }),
    /**
     * Deletes a chore (its completions go with it; stars earned stay).
     * @param {string} choreId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    removeChore: (choreId) => invoke('remove_chore', { choreId }),
    /**
     * Adds a timer template; resolves to its id.
     * @param {string} label
     * @param {number} durationSeconds
     * @param {number} stars
     * @returns {Promise<string>} rejects with a {@link CommandError}
     */
    addTemplate: (label, durationSeconds, stars) => invoke('add_template', { label, durationSeconds, stars }),
    /**
     * Changes a timer template's label, length and stars.
     * @param {string} templateId
     * @param {string} label
     * @param {number} durationSeconds
     * @param {number} stars
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    updateTemplate: (templateId, label, durationSeconds, stars) => invoke('update_template', { templateId, label, durationSeconds, stars }),
    /**
     * Deletes a timer template; timers started from it keep running.
     * @param {string} templateId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    removeTemplate: (templateId) => invoke('remove_template', { templateId }),
    /**
     * A one-time code (48 hours) another parent joins this family with.
     * @returns {Promise<InviteCode>} rejects with a {@link CommandError}
     */
    createInvite: () => invoke('create_invite', {}),
    /**
     * Revokes an invite nobody has used yet.
     * @param {string} inviteId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    revokeInvite: (inviteId) => invoke('revoke_invite', { inviteId }),
    /**
     * Removes a parent from the family: their sessions end.
     * @param {string} userId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    removeParent: (userId) => invoke('remove_parent', { userId }),
    /**
     * The kitchen screens as the server has them now, with when each was
     * last seen.
     * @returns {Promise<Array<KioskView>>} rejects with a {@link CommandError}
     */
    listKiosks: () => invoke('list_kiosks', {}),
    /**
     * The parent's sessions still open, newest first (this one marked).
     * @returns {Promise<Array<OpenSessionView>>} rejects with a {@link CommandError}
     */
    listSessions: () => invoke('list_sessions', {}),
    /**
     * Signs out another of the parent's sessions: its token stops working
     * and its live connection closes.
     * @param {string} sessionId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    endSession: (sessionId) => invoke('end_session', { sessionId }),
    /**
     * Changes the parent's password, given the current one; every other
     * session ends. Returns how many did.
     * @param {string} currentPassword
     * @param {string} newPassword
     * @returns {Promise<number>} rejects with a {@link CommandError}
     */
    changePassword: (currentPassword, newPassword) => invoke('change_password', { currentPassword, newPassword }),
    /**
     * Revokes a kitchen screen: it goes back to pairing.
     * @param {string} kioskId
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    revokeKiosk: (kioskId) => invoke('revoke_kiosk', { kioskId }),
    /**
     * Quits Kinboard (the page asked first when this computer hosts the
     * household: the other screens lose their server).
     * @returns {Promise<void>} rejects with a {@link CommandError}
     */
    quit: () => invoke('quit', {}),
  };
}
