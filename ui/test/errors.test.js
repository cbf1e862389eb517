// errors.test.js — error objects become sentences near what failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalCode, errorSentence, normalizeError } from '../js/errors.js';

test('the brief’s example sentence', () => {
  assert.equal(
    errorSentence({ code: 'network', message: 'connection refused' }, 'pause_timer'),
    'Couldn’t pause: the server is unreachable. Trying again…'.replace('’', "'"),
  );
});

test('each action has its own verb', () => {
  const net = { code: 'network', message: '' };
  assert.match(errorSentence(net, 'extend_timer'), /^Couldn't add 5 minutes: /);
  assert.match(errorSentence(net, 'complete_chore'), /^Couldn't mark the chore done: /);
  assert.match(errorSentence(net, 'add_stars'), /^Couldn't add stars: /);
  assert.match(errorSentence(net, 'start_timer_from_template'), /^Couldn't start the timer: /);
  assert.match(errorSentence(net, 'something_new'), /^Couldn't do that: /);
});

test('PIN and auth codes read as plain advice', () => {
  assert.equal(errorSentence({ code: 'invalid_pin' }, 'confirm_timer'), "Couldn't confirm the timer: that PIN is not right. Try again.");
  assert.equal(errorSentence({ code: 'unauthorized' }, 'refresh'), "Couldn't refresh: you are signed out. Please sign in again.");
});

test('unknown codes fall back to the core’s message, tidied, never the raw code', () => {
  const s = errorSentence({ code: 'weird_internal_thing', message: 'Label must not be empty' }, 'start_timer');
  assert.equal(s, "Couldn't start the timer: label must not be empty.");
  assert.ok(!s.includes('weird_internal_thing'));
  assert.equal(errorSentence({ code: 'x' }, 'refresh'), "Couldn't refresh: something went wrong. Please try again.");
});

test('a string rejection and a nested {error:{…}} are both understood', () => {
  assert.deepEqual(normalizeError('boom'), { code: 'unknown', message: 'boom' });
  assert.deepEqual(normalizeError({ error: { code: 'NotFound', message: 'no timer' } }), { code: 'not_found', message: 'no timer' });
  assert.deepEqual(normalizeError(null), { code: 'unknown', message: '' });
});

test('code spellings are folded together', () => {
  assert.equal(canonicalCode('Network'), 'network');
  assert.equal(canonicalCode('rate-limited'), 'rate_limited');
  assert.equal(canonicalCode('PinRequired'), 'pin_required');
  assert.equal(canonicalCode('unreachable'), 'network');
});

test('the view’s lastError carries its own action', () => {
  const last = { code: 'network', message: 'x', action: 'refresh' };
  assert.equal(errorSentence(last), "Couldn't refresh: the server is unreachable. Trying again…");
});

test('a pairing code that does not work says what to do', () => {
  assert.equal(
    errorSentence({ code: 'not_found', message: 'pairing not found' }, 'pair_kiosk'),
    'Couldn’t pair this screen: that code is not right, was used already, or has expired. Make a new one on a parent’s device.'.replace('Couldn’t', "Couldn't"),
  );
  assert.match(errorSentence({ code: 'not_found' }, 'pause_timer'), /no longer exists/);
});
