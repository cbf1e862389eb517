// errors.js — turns an error from the core (`{code, message}`, or a bare
// string) into one plain sentence for the person at the screen, shown next to
// what failed: "Couldn't pause: the server is unreachable. Trying again…".
// Never shows raw codes. Pure: no DOM.

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
  add_stars: 'add stars',
  remove_stars: 'remove stars',
  refresh: 'refresh',
  create_kiosk_pairing: 'make a pairing code',
  pair_kiosk: 'pair this screen',
};

/** Why it failed, by error code. `null` means "use the core's own message". */
const REASONS = {
  network: 'the server is unreachable. Trying again…',
  offline: 'this screen is offline. Trying again…',
  timeout: 'the server took too long to answer. Trying again…',
  unauthorized: 'you are signed out. Please sign in again.',
  unauthenticated: 'you are signed out. Please sign in again.',
  session_expired: 'you are signed out. Please sign in again.',
  invalid_credentials: 'the email or password is not right.',
  forbidden: 'this screen is not allowed to do that.',
  pin_required: 'a parent PIN is needed.',
  invalid_pin: 'that PIN is not right. Try again.',
  wrong_pin: 'that PIN is not right. Try again.',
  not_found: 'it no longer exists. The board has been brought up to date.',
  conflict: 'it changed on another screen. The board has been brought up to date.',
  already_exists: 'it already exists.',
  rate_limited: 'too many tries. Wait a moment, then try again.',
  insufficient_stars: 'there are not enough stars to remove.',
  server: 'the server had a problem. Please try again.',
  internal: 'something went wrong inside the app. Please try again.',
  no_shell: 'the app core is not available.',
  validation: null,
  invalid_input: null,
  bad_request: null,
};

/** Codes that mean "the same thing", so the core's spelling doesn't matter. */
const ALIASES = {
  unreachable: 'network',
  connection: 'network',
  io: 'network',
  http: 'network',
  auth: 'unauthorized',
  not_signed_in: 'unauthorized',
  pin: 'pin_required',
  bad_pin: 'wrong_pin',
  notfound: 'not_found',
  gone: 'not_found',
  too_many_requests: 'rate_limited',
  invalid: 'validation',
  internal_error: 'internal',
  server_error: 'server',
};

/** Accepts whatever a rejected `invoke` carries and returns `{code, message}`. */
export function normalizeError(raw) {
  if (raw == null) return { code: 'unknown', message: '' };
  if (typeof raw === 'string') return { code: 'unknown', message: raw };
  if (raw instanceof Error) return { code: raw.code ? canonicalCode(raw.code) : 'unknown', message: raw.message || '' };
  if (typeof raw === 'object') {
    const inner = raw.error && typeof raw.error === 'object' ? raw.error : raw;
    return {
      code: inner.code ? canonicalCode(inner.code) : 'unknown',
      message: typeof inner.message === 'string' ? inner.message : '',
    };
  }
  return { code: 'unknown', message: String(raw) };
}

export function canonicalCode(code) {
  const c = String(code).trim().replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase().replace(/[\s-]+/g, '_');
  return ALIASES[c] || c;
}

/** The sentence shown near what failed. `action` is the command name (or the
 *  error's own `action`, as in the view's `lastError`). */
/** Reasons that read differently for one command. */
const COMMAND_REASONS = {
  pair_kiosk: {
    not_found: 'that code is not right, was used already, or has expired. Make a new one on a parent’s device.',
  },
};

export function errorSentence(raw, action) {
  const err = normalizeError(raw);
  const act = action || (raw && typeof raw === 'object' ? raw.action : undefined);
  const what = ACTIONS[act] || 'do that';
  return `Couldn't ${what}: ${COMMAND_REASONS[act]?.[err.code] || reason(err)}`;
}

function reason(err) {
  const known = REASONS[err.code];
  if (known) return known;
  const msg = tidy(err.message);
  if (msg) return msg;
  return 'something went wrong. Please try again.';
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
