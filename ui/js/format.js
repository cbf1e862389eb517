// format.js — pure text formatting for the dashboard: countdowns (m:ss and
// h:mm:ss), "2 min ago", star counts, minutes, the header clock. No DOM, no
// clock reads: every function takes the instant it formats.

/** Countdown text for a remaining duration. Seconds round up, so "0:00" only
 *  shows once the time is really over; negative or missing values are "0:00". */
export function formatCountdown(ms) {
  const total = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
  return `${m}:${ss}`;
}

/** Spoken form of a countdown for screen readers: "4 minutes 5 seconds left". */
export function describeCountdown(ms) {
  const total = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
  if (total === 0) return 'no time left';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [];
  if (h) parts.push(plural(h, 'hour'));
  if (m) parts.push(plural(m, 'minute'));
  if (s && !h) parts.push(plural(s, 'second'));
  return `${parts.join(' ')} left`;
}

/** "just now", "1 min ago", "2 h ago", "3 days ago". A time in the future
 *  (clocks disagree by a little) reads as "just now". */
export function formatAgo(then, now) {
  if (!Number.isFinite(then)) return 'never';
  const sec = Math.max(0, Math.floor((now - then) / 1000));
  if (sec < 60) return 'just now';
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  return d === 1 ? 'yesterday' : `${d} days ago`;
}

/** "last synced 2 min ago", or "never synced" when there is no sync yet. */
export function formatLastSynced(lastSyncedAt, now) {
  if (!Number.isFinite(lastSyncedAt)) return 'never synced';
  return `last synced ${formatAgo(lastSyncedAt, now)}`;
}

/** Compact star count for display: "★ 3". */
export function formatStars(n) {
  return `★ ${Number.isFinite(n) ? n : 0}`;
}

/** Star count in words, for accessible names: "1 star", "3 stars". */
export function starsLabel(n) {
  return plural(Number.isFinite(n) ? n : 0, 'star');
}

/** Template or one-off duration: "20 min", "1 h", "1 h 30 min", "45 s". */
export function formatMinutes(seconds) {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
  if (total < 60) return `${total} s`;
  const min = Math.round(total / 60);
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Header clock, "14:05", in the family's time zone when it is a valid one. */
export function formatClock(at, timeZone) {
  const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: timeZone || undefined }).format(at);
  } catch {
    // An unknown zone name must not blank the header: fall back to local time.
    return new Intl.DateTimeFormat('en-GB', opts).format(at);
  }
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
