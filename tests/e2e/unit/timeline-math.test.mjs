// timeline-math.js: positions on the track, density of changes, stepping between changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { densityBins, fractionOf, millisAt, stepDates, stepIndex } from '../../../www/ui/js/timeline-math.js';
import { compareInstants } from '../../../www/ui/js/time-format.js';

test('a moment and its fraction of the span convert both ways and clamp', () => {
  assert.equal(fractionOf(150, 100, 200), 0.5);
  assert.equal(millisAt(0.5, 100, 200), 150);
  assert.equal(fractionOf(50, 100, 200), 0);
  assert.equal(millisAt(2, 100, 200), 200);
  assert.equal(fractionOf(5, 100, 100), 1);
});

test('bins count the changes under each stretch, the end in the last bin', () => {
  assert.deepEqual(densityBins([100, 101, 149, 150, 199, 200, 250], 100, 200, 2), [3, 3]);
  assert.deepEqual(densityBins([], 0, 10, 3), [0, 0, 0]);
});

const dates = [
  '2026-11-22T10:00:00.000000001Z',
  '2026-11-22T10:00:00.000000002Z',
  '2026-11-22T11:00:00.000000000Z',
];

test('stepping back from now lands on the latest change', () => {
  assert.equal(stepIndex(dates, null, -1, compareInstants), 2);
  assert.equal(stepIndex(dates, null, 1, compareInstants), -1);
});

test('stepping from a change goes to its neighbour, a nanosecond apart if need be', () => {
  assert.equal(stepIndex(dates, dates[1], -1, compareInstants), 0);
  assert.equal(stepIndex(dates, dates[1], 1, compareInstants), 2);
  assert.equal(stepIndex(dates, dates[0], -1, compareInstants), -1);
  assert.equal(stepIndex(dates, dates[2], 1, compareInstants), -1);
});

test('stepping from between changes goes to the nearest on that side', () => {
  const between = '2026-11-22T10:30:00Z';
  assert.equal(stepIndex(dates, between, -1, compareInstants), 1);
  assert.equal(stepIndex(dates, between, 1, compareInstants), 2);
  assert.equal(stepIndex([], between, 1, compareInstants), -1);
});

test('a run of claims about one node is one step, dated by its last claim', () => {
  const changes = [
    { node: 'a', date: 'd1' }, { node: 'a', date: 'd2' }, // put a: place, content
    { node: 'b', date: 'd3' }, // mkdir b
    { node: 'a', date: 'd4' }, { node: 'a', date: 'd5' }, // edit a, then move a
  ];
  assert.deepEqual(stepDates(changes), ['d2', 'd3', 'd5']);
  assert.deepEqual(stepDates([]), []);
});
