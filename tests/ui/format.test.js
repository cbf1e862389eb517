// format.test.js — countdown, "ago", stars, minutes and clock formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeCountdown, formatAgo, formatClock, formatCountdown, formatLastSynced,
  formatMinutes, formatStars, starsLabel,
} from '../../ui/js/format.js';

test('countdown formats zero, seconds, minutes and hours', () => {
  assert.equal(formatCountdown(0), '0:00');
  assert.equal(formatCountdown(59_000), '0:59');
  assert.equal(formatCountdown(60_000), '1:00');
  assert.equal(formatCountdown((59 * 60 + 59) * 1000), '59:59');
  assert.equal(formatCountdown(3600_000), '1:00:00');
  assert.equal(formatCountdown((2 * 3600 + 5 * 60 + 7) * 1000), '2:05:07');
});

test('countdown rounds partial seconds up so 0:00 means really over', () => {
  assert.equal(formatCountdown(1), '0:01');
  assert.equal(formatCountdown(59_001), '1:00');
  assert.equal(formatCountdown(999), '0:01');
});

test('negative or missing countdowns show 0:00', () => {
  assert.equal(formatCountdown(-5000), '0:00');
  assert.equal(formatCountdown(NaN), '0:00');
  assert.equal(formatCountdown(null), '0:00');
  assert.equal(formatCountdown(undefined), '0:00');
});

test('countdown is described in words for screen readers', () => {
  assert.equal(describeCountdown(0), 'no time left');
  assert.equal(describeCountdown(61_000), '1 minute 1 second left');
  assert.equal(describeCountdown(3600_000 + 120_000), '1 hour 2 minutes left');
});

test('ago reads naturally and never goes negative', () => {
  const now = 1_764_140_000_000;
  assert.equal(formatAgo(now, now), 'just now');
  assert.equal(formatAgo(now - 59_000, now), 'just now');
  assert.equal(formatAgo(now - 60_000, now), '1 min ago');
  assert.equal(formatAgo(now - 2 * 60_000 - 50_000, now), '2 min ago');
  assert.equal(formatAgo(now - 3 * 3600_000, now), '3 h ago');
  assert.equal(formatAgo(now - 26 * 3600_000, now), 'yesterday');
  assert.equal(formatAgo(now - 3 * 86_400_000, now), '3 days ago');
  assert.equal(formatAgo(now + 5000, now), 'just now');
});

test('last synced sentence', () => {
  const now = 1_764_140_000_000;
  assert.equal(formatLastSynced(now - 120_000, now), 'last synced 2 min ago');
  assert.equal(formatLastSynced(null, now), 'never synced');
});

test('stars and minutes', () => {
  assert.equal(formatStars(3), '★ 3');
  assert.equal(formatStars(undefined), '★ 0');
  assert.equal(starsLabel(1), '1 star');
  assert.equal(starsLabel(2), '2 stars');
  assert.equal(starsLabel(0), '0 stars');
  assert.equal(formatMinutes(1200), '20 min');
  assert.equal(formatMinutes(3600), '1 h');
  assert.equal(formatMinutes(5400), '1 h 30 min');
  assert.equal(formatMinutes(45), '45 s');
});

test('clock uses the family time zone and survives a bad one', () => {
  const at = Date.UTC(2025, 6, 1, 13, 5); // 1 July, 13:05 UTC
  assert.equal(formatClock(at, 'Europe/London'), '14:05'); // BST
  assert.equal(formatClock(at, 'UTC'), '13:05');
  assert.match(formatClock(at, 'Not/AZone'), /^\d\d:\d\d$/);
});
