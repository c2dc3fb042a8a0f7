// time-format.js: exact nanosecond instants, words for ages, sizes for people.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareInstants, describeAge, formatBytes, formatExact, formatInstant, fromMillis,
  instantBefore, parseInstant, toMillis,
} from '../../../www/ui/js/time-format.js';

test('a server date keeps its nanoseconds through parse and format', () => {
  const text = '2026-11-22T10:00:00.123456789Z';
  assert.equal(formatInstant(parseInstant(text)), text);
});

test('any RFC 3339 precision and offset reads as the exact instant', () => {
  assert.equal(formatInstant(parseInstant('2026-11-22T10:00:00Z')),
    '2026-11-22T10:00:00.000000000Z');
  assert.equal(formatInstant(parseInstant('2026-11-22T11:30:00.5+01:30')),
    '2026-11-22T10:00:00.500000000Z');
  assert.equal(parseInstant('2026-11-22 10:00'), null);
  assert.equal(parseInstant('yesterday'), null);
});

test('the instant before a date is 1 ns earlier, borrowing across seconds and years', () => {
  assert.equal(instantBefore('2026-11-22T10:00:00.000000005Z'), '2026-11-22T10:00:00.000000004Z');
  assert.equal(instantBefore('2027-01-01T00:00:00Z'), '2026-12-31T23:59:59.999999999Z');
  assert.equal(instantBefore('1970-01-01T00:00:00Z'), '1969-12-31T23:59:59.999999999Z');
  assert.throws(() => instantBefore('not a date'));
});

test('dates compare exactly, below a millisecond', () => {
  assert.equal(compareInstants('2026-11-22T10:00:00.000000001Z', '2026-11-22T10:00:00Z'), 1);
  assert.equal(compareInstants('2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000000000Z'), 0);
  assert.equal(compareInstants('2026-11-22T09:59:59.999999999Z', '2026-11-22T10:00:00Z'), -1);
});

test('milliseconds convert both ways', () => {
  const millis = Date.UTC(2026, 10, 22, 10, 0, 0, 250);
  assert.equal(fromMillis(millis), '2026-11-22T10:00:00.250000000Z');
  assert.equal(toMillis('2026-11-22T10:00:00.250999999Z'), millis);
  assert.ok(Number.isNaN(toMillis('nope')));
});

test('ages read in words, past and future', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  assert.equal(describeAge(now - 3000, now), 'just now');
  assert.equal(describeAge(now - 60_000, now), '1 minute ago');
  assert.equal(describeAge(now - 3 * 3_600_000, now), '3 hours ago');
  assert.equal(describeAge(now - 2 * 86_400_000, now), '2 days ago');
  assert.equal(describeAge(now - 400 * 86_400_000, now), '1 year ago');
  assert.equal(describeAge(now + 2 * 86_400_000, now), 'in 2 days');
});

test('exact dates for people keep milliseconds and say UTC', () => {
  assert.equal(formatExact('2026-11-22T10:00:00.123456789Z'), '2026-11-22 10:00:00.123 UTC');
});

test('sizes use binary units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(12 * 1024 * 1024), '12 MiB');
  assert.equal(formatBytes(-1), '');
});
