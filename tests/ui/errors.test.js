// errors.test.js — error codes become sentences near what failed; the page
// has words for exactly the codes there are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_ACTIONS, KNOWN_CODES, errorSentence, normalizeError } from '../../ui/js/errors.js';
import { COMMANDS, ERROR_CODES } from '../../ui/js/commands.js';

test('there are words for every error code and for no code nothing sends', () => {
  assert.deepEqual([...KNOWN_CODES].sort(), [...ERROR_CODES].sort());
});

test('every verb belongs to a command there is', () => {
  for (const action of KNOWN_ACTIONS) assert.ok(Object.hasOwn(COMMANDS, action), action);
});

test('a lockout says how long to wait when the server says', () => {
  assert.equal(
    errorSentence({ code: 'too_many_attempts', message: 'x', retryAfter: 42 }, 'confirm_timer'),
    "Couldn't confirm the timer: too many wrong tries. Wait 42 seconds, then try again.",
  );
  assert.match(errorSentence({ code: 'too_many_attempts', message: 'x' }, 'add_stars'), /Wait a minute, then/);
  assert.deepEqual(normalizeError({ code: 'too_many_attempts', message: 'm', retryAfter: 5 }),
    { code: 'too_many_attempts', message: 'm', retryAfter: 5 });
});

test('every code reads as a sentence that never shows the code', () => {
  for (const code of ERROR_CODES) {
    const s = errorSentence({ code, message: 'Label must not be empty' }, 'start_timer');
    assert.match(s, /^Couldn't start the timer: \S.*[.!?…]$/, code);
    assert.ok(!s.includes(code), `${code}: ${s}`);
  }
});

test('the brief’s example sentence', () => {
  assert.equal(
    errorSentence({ code: 'network', message: 'connection refused' }, 'pause_timer'),
    "Couldn't pause: the server is unreachable. Trying again…",
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

test('PIN and auth codes read as plain advice, whatever the message says', () => {
  assert.equal(errorSentence({ code: 'wrong_pin', message: 'x' }, 'confirm_timer'), "Couldn't confirm the timer: that PIN is not right. Try again.");
  assert.equal(errorSentence({ code: 'pin_required', message: 'x' }, 'cancel_timer'), "Couldn't cancel the timer: a parent PIN is needed.");
  assert.equal(errorSentence({ code: 'unauthorized', message: 'wrong parent PIN' }, 'refresh'), "Couldn't refresh: you are signed out. Please sign in again.");
});

test('a validation error names the field in the server’s words, tidied', () => {
  assert.equal(
    errorSentence({ code: 'invalid', message: 'Label must not be empty' }, 'start_timer'),
    "Couldn't start the timer: label must not be empty.",
  );
  assert.match(errorSentence({ code: 'host_failed', message: 'address in use' }, 'host_household'),
    /could not host the household \(address in use\)\./);
});

test('what is not the core’s error is internal', () => {
  assert.deepEqual(normalizeError('boom'), { code: 'internal', message: 'boom' });
  assert.deepEqual(normalizeError(null), { code: 'internal', message: '' });
  assert.deepEqual(normalizeError({ code: 'not_found', message: 'no timer' }), { code: 'not_found', message: 'no timer' });
  assert.equal(errorSentence({ code: 'teapot' }, 'refresh'), "Couldn't refresh: something went wrong. Please try again.");
});

test('the view’s lastError carries its own action', () => {
  const last = { code: 'network', message: 'x', action: 'refresh' };
  assert.equal(errorSentence(last), "Couldn't refresh: the server is unreachable. Trying again…");
});

test('a pairing code that does not work says what to do', () => {
  assert.equal(
    errorSentence({ code: 'not_found', message: 'pairing not found' }, 'pair_kiosk'),
    "Couldn't pair this screen: that code is not right, was used already, or has expired. Make a new one on a parent’s device.",
  );
  assert.match(errorSentence({ code: 'not_found' }, 'pause_timer'), /no longer exists/);
});
