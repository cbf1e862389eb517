// countdown.test.js — remaining time, progress and ordering with server offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayState, nextChangeIn, orderTimers, progress, remainingFraction, remainingMs, serverNow } from '../../ui/js/countdown.js';

const NOW = 1_764_140_000_000;
const running = (over = {}) => ({
  id: 't', memberId: 'm', label: 'X', state: 'running', endsAt: NOW + 60_000, remainingMs: null, durationMs: 120_000, stars: 1, ...over,
});

test('server time is local time plus the offset', () => {
  assert.equal(serverNow(NOW, 500), NOW + 500);
  assert.equal(serverNow(NOW, undefined), NOW);
});

test('running timer: endsAt minus server now', () => {
  assert.equal(remainingMs(running(), 0, NOW), 60_000);
});

test('server clock ahead of ours: less time left than our clock suggests', () => {
  assert.equal(remainingMs(running(), 5_000, NOW), 55_000);
});

test('server clock behind ours: more time left', () => {
  assert.equal(remainingMs(running(), -5_000, NOW), 65_000);
});

test('paused timer shows its frozen remainingMs whatever the clock says', () => {
  const t = running({ state: 'paused', endsAt: null, remainingMs: 30_000 });
  assert.equal(remainingMs(t, 0, NOW), 30_000);
  assert.equal(remainingMs(t, 99_999, NOW + 10_000_000), 30_000);
});

test('expired timer and a running one past its end show 0, never negative', () => {
  assert.equal(remainingMs(running({ state: 'expired' }), 0, NOW), 0);
  assert.equal(remainingMs(running({ endsAt: NOW - 5000 }), 0, NOW), 0);
});

test('progress is the elapsed fraction, clamped to 0..1', () => {
  assert.equal(progress(running(), 0, NOW), 0.5);
  assert.equal(remainingFraction(running(), 0, NOW), 0.5);
  assert.equal(progress(running({ endsAt: NOW - 1 }), 0, NOW), 1);
  // Extended past its duration (endsAt beyond duration): clamp at 0, not negative.
  assert.equal(progress(running({ endsAt: NOW + 500_000 }), 0, NOW), 0);
  assert.equal(progress(running({ state: 'expired' }), 0, NOW), 1);
  assert.equal(progress(running({ durationMs: 0 }), 0, NOW), 0);
  assert.equal(progress(running({ state: 'paused', remainingMs: 90_000 }), 0, NOW), 0.25);
});

test('a running timer whose end has passed displays as expired at once', () => {
  assert.equal(displayState(running({ endsAt: NOW - 1 }), 0, NOW), 'expired');
  assert.equal(displayState(running({ endsAt: NOW + 1000 }), 2000, NOW), 'expired');
  assert.equal(displayState(running(), 0, NOW), 'running');
  assert.equal(displayState(running({ state: 'paused', remainingMs: 0 }), 0, NOW), 'paused');
});

test('timers are ordered by time left, expired first, finished states dropped', () => {
  const timers = [
    running({ id: 'long', endsAt: NOW + 600_000 }),
    running({ id: 'paused', state: 'paused', endsAt: null, remainingMs: 120_000 }),
    running({ id: 'short', endsAt: NOW + 30_000 }),
    running({ id: 'exp-late', state: 'expired', endsAt: NOW - 1_000 }),
    running({ id: 'exp-early', state: 'expired', endsAt: NOW - 60_000 }),
    running({ id: 'done', state: 'completed' }),
    running({ id: 'gone', state: 'cancelled' }),
  ];
  assert.deepEqual(orderTimers(timers, 0, NOW).map((t) => t.id), ['exp-early', 'exp-late', 'short', 'paused', 'long']);
});

test('order follows the clock: a running timer passes a paused one', () => {
  const timers = [
    running({ id: 'run', endsAt: NOW + 180_000 }),
    running({ id: 'paused', state: 'paused', endsAt: null, remainingMs: 120_000 }),
  ];
  assert.deepEqual(orderTimers(timers, 0, NOW).map((t) => t.id), ['paused', 'run']);
  assert.deepEqual(orderTimers(timers, 0, NOW + 90_000).map((t) => t.id), ['run', 'paused']);
});

test('ties keep a stable order by label then id', () => {
  const timers = [
    running({ id: 'b', label: 'Same' }),
    running({ id: 'a', label: 'Same' }),
    running({ id: 'c', label: 'Art' }),
  ];
  assert.deepEqual(orderTimers(timers, 0, NOW).map((t) => t.id), ['c', 'a', 'b']);
});

test('the page sleeps until a shown second or minute changes', () => {
  // NOW is 20 s into a minute: the clock changes in 40 s, capped at 15 s.
  assert.equal(nextChangeIn({ timers: [] }, NOW), 15_005);
  assert.equal(nextChangeIn({ timers: [] }, NOW + 39_000, 60_000), 1_005);
  // A kitchen screen wakes when its Undo's ten seconds are up; a parent's keeps it.
  const redeemed = { timers: [], redemptions: [{ createdAt: NOW - 7_000, mine: true }, { createdAt: NOW - 9_000, mine: false }], serverOffsetMs: 0 };
  assert.equal(nextChangeIn({ ...redeemed, role: 'kiosk' }, NOW), 3_005);
  assert.equal(nextChangeIn({ ...redeemed, role: 'parent' }, NOW), 15_005);
  // A running countdown with 59.3 s left shows 1:00 until 59 s: 300 ms away.
  const view = { serverOffsetMs: 0, timers: [running({ endsAt: NOW + 59_300 })] };
  assert.equal(nextChangeIn(view, NOW), 305);
  // Exactly on a second: the next flip is a whole second away.
  assert.equal(nextChangeIn({ timers: [running({ endsAt: NOW + 5_000 })] }, NOW), 1_005);
  // The server offset counts: the same timer seen from a clock 200 ms behind.
  assert.equal(nextChangeIn({ serverOffsetMs: 200, timers: [running({ endsAt: NOW + 59_300 })] }, NOW), 105);
  // Paused and run-out timers change nothing by themselves.
  const still = { timers: [running({ state: 'paused', remainingMs: 1_500 }), running({ endsAt: NOW - 1 })] };
  assert.equal(nextChangeIn(still, NOW), 15_005);
});
