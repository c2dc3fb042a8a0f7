// virtual-list.js: the arithmetic that keeps a 10,000-entry folder to a few dozen rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVERSCAN_ROWS, scrollToShow, visibleRange } from '../../../www/ui/js/virtual-list.js';

const rowPixels = 32;
const viewportPixels = 640; // 20 rows

test('a listing of 10,000 entries at the top renders the 20 visible rows and the overscan', () => {
  const range = visibleRange({ scrollPixels: 0, viewportPixels, rowPixels, count: 10_000 });
  assert.deepEqual(range, { start: 0, end: 20 + OVERSCAN_ROWS, offsetPixels: 0,
    totalPixels: 320_000 });
});

test('scrolled to the middle of 10,000 entries, the rows rendered surround the view', () => {
  const scrollPixels = 5000 * rowPixels + 10; // part-way into row 5000
  const range = visibleRange({ scrollPixels, viewportPixels, rowPixels, count: 10_000 });
  assert.equal(range.start, 5000 - OVERSCAN_ROWS);
  assert.equal(range.end, 5021 + OVERSCAN_ROWS);
  assert.equal(range.offsetPixels, range.start * rowPixels);
  assert.ok(range.end - range.start <= 21 + 2 * OVERSCAN_ROWS);
});

test('every scroll position of 10,000 entries renders every visible row and at most 38', () => {
  const count = 10_000;
  for (let scrollPixels = 0; scrollPixels <= count * rowPixels; scrollPixels += 97) {
    const range = visibleRange({ scrollPixels, viewportPixels, rowPixels, count });
    const clamped = Math.min(scrollPixels, count * rowPixels - viewportPixels);
    const firstVisible = Math.floor(clamped / rowPixels);
    const lastVisible = Math.min(count - 1, Math.floor((clamped + viewportPixels - 1) / rowPixels));
    assert.ok(range.start <= firstVisible && range.end > lastVisible, `at ${scrollPixels}`);
    assert.ok(range.end - range.start <= 21 + 2 * OVERSCAN_ROWS, `at ${scrollPixels}`);
  }
});

test('a scroll past the end (after the list shrank) shows the last rows', () => {
  const range = visibleRange({ scrollPixels: 99_999, viewportPixels, rowPixels, count: 30 });
  assert.equal(range.end, 30);
  assert.equal(range.start, Math.max(0, 10 - OVERSCAN_ROWS));
});

test('an empty list renders nothing and a short one renders all of it', () => {
  assert.deepEqual(visibleRange({ scrollPixels: 0, viewportPixels, rowPixels, count: 0 }),
    { start: 0, end: 0, offsetPixels: 0, totalPixels: 0 });
  const short = visibleRange({ scrollPixels: 0, viewportPixels, rowPixels, count: 5 });
  assert.equal(short.end, 5);
});

test('a row height of zero is refused', () => {
  assert.throws(() => visibleRange({ scrollPixels: 0, viewportPixels, rowPixels: 0, count: 1 }));
});

test('revealing a row scrolls only as far as needed', () => {
  const base = { scrollPixels: 320, viewportPixels, rowPixels };
  assert.equal(scrollToShow({ ...base, index: 15 }), 320); // already in view
  assert.equal(scrollToShow({ ...base, index: 2 }), 64); // above: align top
  assert.equal(scrollToShow({ ...base, index: 40 }), 41 * 32 - 640); // below: align bottom
});
