// night.js — a kitchen screen's night. The family sets when its kitchen
// screens go dark and quiet (Settings → Family: "from 21:00 to 07:00", in
// the family's time zone). In that window the screen dims under a veil and
// tells the shell, which lets the display blank; a touch wakes it for a
// while, and so does a timer running out (it stays awake until the timer
// is handled). Only a kitchen screen sleeps: a parent's window never does.

import { h } from './dom.js';

/** How long a touch keeps a sleeping screen awake. */
export const WOKEN_MS = 2 * 60 * 1000;
/** How often a kitchen screen with a night looks at the clock. */
export const NIGHT_CHECK_MS = 30 * 1000;

/** Minutes after midnight of `HH:MM`, or null when it is not a time. */
export function minuteOf(hhmm) {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(String(hhmm ?? ''));
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Minutes after midnight at `ms` in `timeZone` (the device's zone when unknown). */
export function minuteOfDay(ms, timeZone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timeZone || undefined, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(ms));
  } catch {
    parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(ms));
  }
  const part = (type) => Number(parts.find((p) => p.type === type)?.value || 0);
  return (part('hour') % 24) * 60 + part('minute');
}

/** Whether the local `minute` falls in `night` ({from, to}; across midnight when to < from). */
export function inNight(night, minute) {
  const from = minuteOf(night?.from);
  const to = minuteOf(night?.to);
  if (from == null || to == null || from === to) return false;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * Whether a kitchen screen sleeps now: it is one, its family has a night
 * and it is night in the family's zone (server time `now`), nobody woke it
 * within the last while (`wokenUntil`), and no timer waits with its time up.
 */
export function asleep({ kiosk, family, now, wokenUntil, expired }) {
  if (!kiosk || !family?.night) return false;
  if (expired > 0 || (wokenUntil && now < wokenUntil)) return false;
  return inNight(family.night, minuteOfDay(now, family.timeZone));
}

/** The veil over a sleeping screen: dark, and a touch anywhere wakes it. */
export function NightVeil(sleeping) {
  return h('div', {
    key: 'night', class: 'night-veil', 'data-testid': 'night-veil', 'data-action': 'wake', hidden: !sleeping,
    role: 'button', 'aria-label': 'Night: touch to wake the screen',
  }, h('span', { class: 'night-hint' }, 'Touch to wake'));
}
