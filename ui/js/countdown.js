// countdown.js — pure timer maths: how much time a timer has left at a given
// local instant, how far along it is, how it should look right now, and the
// order of the timer cards. The server stores absolute times (`endsAt` for a
// running timer, `remainingMs` for a paused one); the page converts its own
// clock to server time with `serverOffsetMs` (server = local + offset), so
// countdowns stay smooth and right even while offline. No DOM, no clock reads.

/** Server time for a local instant. */
export function serverNow(localNow, serverOffsetMs) {
  return localNow + (Number.isFinite(serverOffsetMs) ? serverOffsetMs : 0);
}

/** Milliseconds left on a timer at local instant `now`, never negative.
 *  running → endsAt − server now; paused → its frozen remainingMs; expired → 0. */
export function remainingMs(timer, serverOffsetMs, now) {
  if (!timer) return 0;
  switch (timer.state) {
    case 'running':
      if (Number.isFinite(timer.endsAt)) {
        return Math.max(0, timer.endsAt - serverNow(now, serverOffsetMs));
      }
      // A running timer without endsAt is malformed; show what we know.
      return Math.max(0, timer.remainingMs ?? 0);
    case 'paused':
      return Math.max(0, timer.remainingMs ?? timer.durationMs ?? 0);
    default:
      return 0;
  }
}

/** Fraction of the timer that has elapsed, clamped to 0..1 (1 = time's up). */
export function progress(timer, serverOffsetMs, now) {
  const duration = timer?.durationMs;
  if (!Number.isFinite(duration) || duration <= 0) {
    return timer && timer.state !== 'expired' && remainingMs(timer, serverOffsetMs, now) > 0 ? 0 : 1;
  }
  const left = remainingMs(timer, serverOffsetMs, now);
  return clamp01(1 - left / duration);
}

/** Fraction of the timer still to go, 0..1 (what a draining bar shows). */
export function remainingFraction(timer, serverOffsetMs, now) {
  return clamp01(1 - progress(timer, serverOffsetMs, now));
}

/** The state a card shows now: a running timer whose end has passed looks
 *  expired at once, without waiting for the server's `timer:expired`. */
export function displayState(timer, serverOffsetMs, now) {
  if (timer.state === 'running' && remainingMs(timer, serverOffsetMs, now) <= 0) return 'expired';
  return timer.state;
}

/** Timers a card is shown for (running, paused, expired), ordered by time
 *  left: expired first (the longest-expired on top), then least time left.
 *  Ties keep a stable order by label then id so cards don't swap places. */
export function orderTimers(timers, serverOffsetMs, now) {
  const shown = (timers || []).filter((t) => t && ['running', 'paused', 'expired'].includes(t.state));
  const keyed = shown.map((t) => ({
    t,
    left: remainingMs(t, serverOffsetMs, now),
    endedAt: Number.isFinite(t.endsAt) ? t.endsAt : Infinity,
  }));
  keyed.sort((a, b) => {
    if (a.left !== b.left) return a.left - b.left;
    if (a.left === 0 && a.endedAt !== b.endedAt) return a.endedAt - b.endedAt;
    const byLabel = String(a.t.label).localeCompare(String(b.t.label));
    if (byLabel) return byLabel;
    return String(a.t.id) < String(b.t.id) ? -1 : String(a.t.id) > String(b.t.id) ? 1 : 0;
  });
  return keyed.map((k) => k.t);
}

/** How long the screen that made a change may undo it (the server judges). */
export const UNDO_WINDOW_MS = 10_000;

/** Milliseconds until something the board shows changes by itself: the
 *  next second of a running countdown (it shows whole seconds rounded up,
 *  so it flips as the time left crosses a multiple of 1000 ms) or the next
 *  minute of the clock — never more than `max`, for the "synced … ago"
 *  texts. Lets the page sleep between changes instead of ticking. */
export function nextChangeIn(view, now, max = 15000) {
  const offset = view?.serverOffsetMs;
  const server = serverNow(now, offset);
  let next = 60000 - (((server % 60000) + 60000) % 60000);
  for (const t of view?.timers || []) {
    if (t?.state !== 'running') continue;
    const left = remainingMs(t, offset, now);
    if (left > 0) next = Math.min(next, left % 1000 || 1000);
  }
  // A kitchen screen's Undo goes when its window closes.
  if (view?.role === 'kiosk') {
    const made = [
      ...(view.redemptions || []).filter((r) => r.mine).map((r) => r.createdAt),
      ...(view.chores || []).flatMap((c) => (c.done || []).filter((d) => d.mine).map((d) => d.completedAt)),
    ];
    for (const at of made) {
      const left = at + UNDO_WINDOW_MS - server;
      if (left > 0) next = Math.min(next, left);
    }
  }
  // A few ms past the boundary, so the new second is already there.
  return Math.min(Math.max(next, 0), max) + 5;
}

function clamp01(x) {
  if (!Number.isFinite(x)) return 0;
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
