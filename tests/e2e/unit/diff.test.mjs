// diff.js: Myers's line diff gives a shortest edit script that rebuilds both sides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffLines, splitLines, summarize } from '../../../www/ui/js/diff.js';

function rebuild(operations, side) {
  const keep = side === 'old' ? 'removed' : 'added';
  return operations.filter((op) => op.type === 'same' || op.type === keep).map((op) => op.text);
}

test('identical texts are all same lines', () => {
  const operations = diffLines('a\nb\nc\n', 'a\nb\nc\n');
  assert.deepEqual(summarize(operations), { added: 0, removed: 0, same: 3 });
});

test('one changed line is one removal and one addition, numbered on each side', () => {
  const operations = diffLines('a\nb\nc\n', 'a\nB\nc\n');
  assert.deepEqual(operations, [
    { type: 'same', text: 'a', oldLine: 1, newLine: 1 },
    { type: 'removed', text: 'b', oldLine: 2, newLine: null },
    { type: 'added', text: 'B', oldLine: null, newLine: 2 },
    { type: 'same', text: 'c', oldLine: 3, newLine: 3 },
  ]);
});

test('the empty text against a text is all additions, and the reverse all removals', () => {
  assert.deepEqual(summarize(diffLines('', 'x\ny')), { added: 2, removed: 0, same: 0 });
  assert.deepEqual(summarize(diffLines('x\ny', '')), { added: 0, removed: 2, same: 0 });
  assert.deepEqual(diffLines('', ''), []);
});

test("Myers's paper example ABCABBA to CBABAC takes the shortest script of 5 edits", () => {
  const before = [...'ABCABBA'].join('\n');
  const after = [...'CBABAC'].join('\n');
  const counts = summarize(diffLines(before, after));
  assert.equal(counts.added + counts.removed, 5);
  assert.equal(counts.same, 4); // the longest common subsequence has 4 lines
});

test('random edits: the script rebuilds both texts and is never longer than the edits made', () => {
  let seed = 12345;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 200; round += 1) {
    const before = Array.from({ length: random(30) }, () => String(random(6)));
    const after = [...before];
    let edits = 0;
    for (let change = random(6); change > 0; change -= 1) {
      if (after.length && random(2)) after.splice(random(after.length), 1);
      else after.splice(random(after.length + 1), 0, String(random(6)));
      edits += 1;
    }
    const operations = diffLines(before.join('\n'), after.join('\n'));
    assert.deepEqual(rebuild(operations, 'old'), before, `round ${round}`);
    assert.deepEqual(rebuild(operations, 'new'), after, `round ${round}`);
    const counts = summarize(operations);
    assert.ok(counts.added + counts.removed <= edits, `round ${round}: not shortest`);
  }
});

test('past the edit limit the diff is everything removed then everything added', () => {
  const operations = diffLines('a\nb\nc', 'x\ny\nz', 2);
  assert.deepEqual(operations.map((op) => op.type),
    ['removed', 'removed', 'removed', 'added', 'added', 'added']);
  assert.deepEqual(rebuild(operations, 'new'), ['x', 'y', 'z']);
});

test('a final newline adds no empty line', () => {
  assert.deepEqual(splitLines('a\nb\n'), ['a', 'b']);
  assert.deepEqual(splitLines('a\n\n'), ['a', '']);
});
