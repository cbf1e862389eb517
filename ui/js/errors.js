// errors.js — turns an error from the core (`{code, message}`, whose code
// is one of commands.js's ERROR_CODES) into one plain sentence for the
// person at the screen, shown next to what failed: "Couldn't pause: the
// server is unreachable. Trying again…". Codes are matched by value, never
// guessed from the message; the page has words for every code there is
// and for no other. Pure: no DOM.

/** What the person was trying to do, by command name, as a verb phrase. */
const ACTIONS = {
  get_view: 'load the dashboard',
  get_session: 'load your session',
  sign_in: 'sign in',
  sign_out: 'sign out',
  host_household: 'set up the household',
  start_timer_from_template: 'start the timer',
  start_timer: 'start the timer',
  pause_timer: 'pause',
  resume_timer: 'resume',
  extend_timer: 'add 5 minutes',
  cancel_timer: 'cancel the timer',
  confirm_timer: 'confirm the timer',
  complete_chore: 'mark the chore done',
  undo_completion: 'undo that',
  add_stars: 'add stars',
  remove_stars: 'remove stars',
  refresh: 'refresh',
  heartbeat: 'check in',
  create_kiosk_pairing: 'make a pairing code',
  pair_kiosk: 'pair this screen',
  find_households: 'look for households',
  check_server: 'reach that server',
  host_defaults: 'start setting up',
  join_household: 'join the household',
  switch_family: 'switch families',
  update_family: 'save the family',
  set_pin: 'set the PIN',
  add_child: 'add the child',
  update_child: 'save the child',
  remove_child: 'remove the child',
  add_chore: 'add the chore',
  update_chore: 'save the chore',
  remove_chore: 'delete the chore',
  add_template: 'add the timer',
  update_template: 'save the timer',
  remove_template: 'delete the timer',
  create_invite: 'make an invite',
  revoke_invite: 'revoke the invite',
  remove_parent: 'remove the parent',
  list_kiosks: 'list the kitchen screens',
  revoke_kiosk: 'revoke the kitchen screen',
  list_sessions: 'list where you are signed in',
  end_session: 'sign that screen out',
  change_password: 'change the password',
  diagnostics: 'gather the diagnostics',
  approve_completion: 'approve the chore',
  approve_redemption: 'give the reward',
  reject_redemption: 'say no to the reward',
  reject_completion: 'reject the chore',
  redeem_reward: 'spend the stars',
  undo_star_entry: 'undo that',
  add_reward: 'add the reward',
  update_reward: 'save the reward',
  remove_reward: 'remove the reward',
  member_history: 'load the history',
  export_ledger: 'save the file',
};

const UPDATE = 'this app and the household server do not agree. Please update Kinboard on both.';
const SIGNED_OUT = 'you are signed out. Please sign in again.';

/** Why it failed, by error code. A function gets the core's message (for
 *  codes whose message names the detail: the field, the reason). */
const REASONS = {
  unauthorized: SIGNED_OUT,
  invalid_credentials: 'the email or password is not right.',
  forbidden: 'this screen is not allowed to do that.',
  pin_required: 'a parent PIN is needed.',
  wrong_pin: 'that PIN is not right. Try again.',
  no_pin_set: 'no parent PIN is set yet. A parent can set one from their own screen.',
  too_many_attempts: (_, err) => `too many wrong tries. ${waitFor(err.retryAfter)}, then try again.`,
  not_found: 'it no longer exists. The board has been brought up to date.',
  method_not_allowed: UPDATE,
  bad_request: UPDATE,
  invalid: (message) => tidy(message) || 'something entered is not right.',
  conflict: 'it changed on another screen. The board has been brought up to date.',
  email_taken: 'an account with this email exists already. Sign in with it instead.',
  signup_closed: 'this household makes no new accounts. Ask a parent for an invite code and join with it.',
  insufficient_stars: 'there are not enough stars to remove.',
  last_parent: 'a family needs at least one parent. Invite another parent first.',
  not_due_today: 'that chore is not on today’s list.',
  already_done_today: 'that chore is done for today already.',
  undo_expired: 'it is too late to undo that here. A parent can still undo it.',
  already_undone: 'that was undone already.',
  not_undoable: 'that line takes back another one; it cannot be undone itself.',
  not_pending: 'a parent has dealt with that already.',
  reward_limit_reached: 'that reward has been had as often as this week allows.',
  idempotency_key_reused: 'the app repeated a request by mistake. Please try again.',
  unsupported_media_type: UPDATE,
  payload_too_large: 'that is too much to send at once.',
  internal: 'something went wrong. Please try again.',
  network: 'the server is unreachable. Trying again…',
  timeout: 'the server took too long to answer. Trying again…',
  bad_reply: 'the server answered something this app does not understand. Is that address a Kinboard household server?',
  not_signed_in: SIGNED_OUT,
  no_family: 'this account belongs to no family yet.',
  not_kinboard: (message) => tidy(message) || 'something answers at that address, but it is not a Kinboard household server.',
  incompatible_server: (message) => `${tidy(message) || 'that server runs another version of Kinboard.'} Update Kinboard on both.`,
  invalid_address: 'that is not a server address. Use one like https://192.168.1.20:8080.',
  host_failed: (message) => {
    const why = String(message || '').trim();
    return `this computer could not host the household${why ? ` (${why})` : ''}. Is another Kinboard already hosting on this port?`;
  },
  save_failed: (message) => `the file could not be saved${message ? ` (${String(message).trim()})` : ''}.`,
  certificate_unconfirmed: 'this household server is new to this screen. Compare its check code with a parent’s screen first.',
  certificate_changed: 'the household server shows another certificate than before. Someone on the network may be standing in for it: nothing was sent.',
  unencrypted: (message) => tidy(message) || 'that household server speaks plain HTTP: passwords and the PIN would cross the network readable.',
};

/** Every code this page has words for (a test holds it to ERROR_CODES). */
export const KNOWN_CODES = Object.freeze(Object.keys(REASONS));

/** Reasons that read differently for one command. */
const COMMAND_REASONS = {
  pair_kiosk: {
    not_found: 'that code is not right, was used already, or has expired. Make a new one on a parent’s device.',
  },
  join_household: {
    not_found: 'that invite code is not right, was used already, was revoked, or has expired. Ask for a new one.',
    email_taken: 'an account with this email exists already, with another password. Sign in with it instead.',
  },
  change_password: {
    invalid_credentials: 'the current password is not right.',
  },
  set_pin: {
    invalid_credentials: 'that is not your password.',
    wrong_pin: 'the current PIN is not right.',
  },
  redeem_reward: {
    insufficient_stars: 'there are not enough stars for that reward.',
  },
  approve_redemption: {
    insufficient_stars: 'there are not enough stars for that reward any more.',
  },
  undo_star_entry: {
    insufficient_stars: 'those stars have been spent already.',
  },
  undo_completion: {
    insufficient_stars: 'those stars have been spent already.',
  },
  check_server: {
    network: 'nothing answers at that address. Is the household computer on, and on this network?',
  },
  find_households: {
    network: 'this computer cannot look for households on the network. Type the address instead.',
  },
};

/** Accepts whatever a rejected `invoke` carries and returns `{code, message}`.
 *  A rejection that is not the core's (the shell's own, as a string) is
 *  `internal`. */
export function normalizeError(raw) {
  if (raw && typeof raw === 'object' && typeof raw.code === 'string') {
    const err = { code: raw.code, message: typeof raw.message === 'string' ? raw.message : '' };
    if (Number.isFinite(raw.retryAfter)) err.retryAfter = raw.retryAfter;
    const seen = raw.certificate;
    if (seen && typeof seen.fingerprint === 'string' && typeof seen.code === 'string') {
      err.certificate = { fingerprint: seen.fingerprint, code: seen.code };
    }
    return err;
  }
  if (raw instanceof Error) return { code: 'internal', message: raw.message || '' };
  return { code: 'internal', message: raw == null ? '' : String(raw) };
}

/** The sentence shown near what failed. `action` is the command name (or
 *  the error's own `action`, as in the view's `lastError`). */
export function errorSentence(raw, action) {
  const err = normalizeError(raw);
  const act = action || (raw && typeof raw === 'object' ? raw.action : undefined);
  const what = ACTIONS[act] || 'do that';
  return `Couldn't ${what}: ${COMMAND_REASONS[act]?.[err.code] || reason(err)}`;
}

function reason(err) {
  const known = Object.hasOwn(REASONS, err.code) ? REASONS[err.code] : REASONS.internal;
  return typeof known === 'function' ? known(err.message, err) : known;
}

/** "Wait a minute" / "Wait 20 seconds", from a Retry-After in seconds. */
function waitFor(seconds) {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'Wait a minute';
  if (seconds < 60) return `Wait ${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? 'Wait a minute' : `Wait ${minutes} minutes`;
}

/** Makes a core message fit after "Couldn't pause: ": lower-case first letter
 *  (unless it starts an acronym), ending with a full stop. */
function tidy(message) {
  let m = String(message || '').trim();
  if (!m) return '';
  if (/^[A-Z][a-z]/.test(m)) m = m[0].toLowerCase() + m.slice(1);
  if (!/[.!?…]$/.test(m)) m += '.';
  return m;
}

export function actionPhrase(action) {
  return ACTIONS[action] || 'do that';
}

/** The commands this page has a verb for (a test checks they all exist; a
 *  new command without one reads "Couldn't do that"). */
export const KNOWN_ACTIONS = Object.freeze(Object.keys(ACTIONS));
