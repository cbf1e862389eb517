// night-sound.test.js — the rules of the chime (when it rings, repeats,
// stops) and of a kitchen screen's night (local times in the family's
// zone, across midnight, woken by a touch or a run-out timer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chimeFor } from '../../ui/js/sound.js';
import { asleep, inNight, minuteOf, minuteOfDay } from '../../ui/js/night.js';

const ids = (...x) => new Set(x);

test('the chime: once per new run-out timer on a parent’s screen, until handled on a kitchen screen', () => {
  // A parent's screen: never for what it finds at first, once for each new one.
  assert.equal(chimeFor({ before: null, expired: ids('a'), kiosk: false, muted: false }), 'keep');
  assert.equal(chimeFor({ before: ids(), expired: ids('a'), kiosk: false, muted: false }), 'ring');
  assert.equal(chimeFor({ before: ids('a'), expired: ids('a'), kiosk: false, muted: false }), 'keep');
  assert.equal(chimeFor({ before: ids('a'), expired: ids('a', 'b'), kiosk: false, muted: false }), 'ring');
  assert.equal(chimeFor({ before: ids('a'), expired: ids(), kiosk: false, muted: false }), 'stop');
  // A kitchen screen: at once for what waits, on while any waits, a new one starts it over.
  assert.equal(chimeFor({ before: null, expired: ids('a'), kiosk: true, muted: false }), 'ring');
  assert.equal(chimeFor({ before: ids('a'), expired: ids('a'), kiosk: true, muted: false }), 'keep');
  assert.equal(chimeFor({ before: ids('a'), expired: ids('b'), kiosk: true, muted: false }), 'ring');
  assert.equal(chimeFor({ before: ids('a', 'b'), expired: ids('b'), kiosk: true, muted: false }), 'keep');
  assert.equal(chimeFor({ before: ids('b'), expired: ids(), kiosk: true, muted: false }), 'stop');
  // Muted on a parent's screen: silence whatever happens.
  assert.equal(chimeFor({ before: ids(), expired: ids('a'), kiosk: false, muted: true }), 'stop');
  assert.equal(chimeFor({ before: null, expired: ids('a'), kiosk: false, muted: true }), 'stop');
  // Muted on a kitchen screen: what rings now goes quiet, but a timer
  // that runs out later still chimes once (nobody silences it for good).
  assert.equal(chimeFor({ before: ids('a'), expired: ids('a'), kiosk: true, muted: true }), 'stop');
  assert.equal(chimeFor({ before: null, expired: ids('a'), kiosk: true, muted: true }), 'stop');
  assert.equal(chimeFor({ before: ids('a'), expired: ids('a', 'b'), kiosk: true, muted: true }), 'once');
  assert.equal(chimeFor({ before: ids(), expired: ids('b'), kiosk: true, muted: true }), 'once');
});

test('night hours: HH:MM only, across midnight or within a day', () => {
  assert.equal(minuteOf('21:00'), 1260);
  assert.equal(minuteOf('00:00'), 0);
  for (const bad of ['24:00', '7:00', '21:60', '', null, 'nine']) assert.equal(minuteOf(bad), null, String(bad));
  const night = { from: '21:00', to: '07:00' };
  assert.ok(inNight(night, 21 * 60) && inNight(night, 0) && inNight(night, 6 * 60 + 59));
  assert.ok(!inNight(night, 7 * 60) && !inNight(night, 12 * 60) && !inNight(night, 20 * 60 + 59));
  const nap = { from: '13:00', to: '15:00' };
  assert.ok(inNight(nap, 14 * 60) && !inNight(nap, 15 * 60) && !inNight(nap, 12 * 60 + 59));
  assert.ok(!inNight({ from: '07:00', to: '07:00' }, 7 * 60), 'an empty night is none');
});

test('the family’s zone decides the local time', () => {
  // 2026-12-07 20:30 UTC is 21:30 in Madrid and 09:30 next day in Auckland (summer time).
  const at = Date.UTC(2026, 11, 7, 20, 30);
  assert.equal(minuteOfDay(at, 'UTC'), 20 * 60 + 30);
  assert.equal(minuteOfDay(at, 'Europe/Madrid'), 21 * 60 + 30);
  assert.equal(minuteOfDay(at, 'Pacific/Auckland'), 9 * 60 + 30);
  const family = (timeZone) => ({ timeZone, night: { from: '21:00', to: '07:00' } });
  const base = { kiosk: true, now: at, wokenUntil: 0, expired: 0 };
  assert.equal(asleep({ ...base, family: family('Europe/Madrid') }), true);
  assert.equal(asleep({ ...base, family: family('Pacific/Auckland') }), false);
  assert.equal(asleep({ ...base, family: family('UTC') }), false);
  // Woken, a timer run out, a parent's window, no night: awake.
  assert.equal(asleep({ ...base, family: family('Europe/Madrid'), wokenUntil: at + 1 }), false);
  assert.equal(asleep({ ...base, family: family('Europe/Madrid'), expired: 1 }), false);
  assert.equal(asleep({ ...base, family: family('Europe/Madrid'), kiosk: false }), false);
  assert.equal(asleep({ ...base, family: { timeZone: 'Europe/Madrid' } }), false);
});
