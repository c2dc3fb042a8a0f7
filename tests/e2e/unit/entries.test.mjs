// entries.js: kinds by extension, folders first in every sort, entries gone since T marked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileKind, kindLabel, markGone, sortEntries } from '../../../www/ui/js/entries.js';

const entries = [
  { name: 'b.txt', kind: 'file', size: 30, modified: '2026-11-22T10:00:00.000000003Z', node: 'n1' },
  { name: 'pics', kind: 'folder', size: 0, modified: '2026-11-22T10:00:00.000000009Z', node: 'n2' },
  { name: 'a10.png', kind: 'file', size: 10, modified: '2026-11-22T10:00:00.000000001Z',
    node: 'n3' },
  { name: 'a9.pdf', kind: 'file', size: 20, modified: '2026-11-22T10:00:00.000000002Z',
    node: 'n4' },
  { name: 'Docs', kind: 'folder', size: 0, modified: '2026-11-22T10:00:00.000000000Z', node: 'n5' },
];
const names = (list) => list.map((entry) => entry.name);

test('by name: folders first, then names as people read them (a9 before a10)', () => {
  assert.deepEqual(names(sortEntries(entries)), ['Docs', 'pics', 'a9.pdf', 'a10.png', 'b.txt']);
});

test('by size descending, folders still first', () => {
  assert.deepEqual(names(sortEntries(entries, 'size', true)),
    ['Docs', 'pics', 'b.txt', 'a9.pdf', 'a10.png']);
});

test('by modified and by kind', () => {
  assert.deepEqual(names(sortEntries(entries, 'modified')),
    ['Docs', 'pics', 'a10.png', 'a9.pdf', 'b.txt']);
  assert.deepEqual(names(sortEntries(entries, 'kind')),
    ['Docs', 'pics', 'a10.png', 'a9.pdf', 'b.txt']);
  assert.throws(() => sortEntries(entries, 'colour'));
});

test('sorting leaves its input alone', () => {
  const copy = structuredClone(entries);
  sortEntries(entries, 'size');
  assert.deepEqual(entries, copy);
});

test('kinds follow the extension, case-insensitively', () => {
  assert.equal(fileKind('photo.JPG'), 'image');
  assert.equal(fileKind('song.flac'), 'audio');
  assert.equal(fileKind('clip.webm'), 'video');
  assert.equal(fileKind('paper.pdf'), 'pdf');
  assert.equal(fileKind('main.rs'), 'text');
  assert.equal(fileKind('.bashrc'), 'other');
  assert.equal(fileKind('data.bin'), 'other');
  assert.equal(kindLabel({ name: 'x', kind: 'folder' }), 'Folder');
});

test('entries of T missing from now are marked gone', () => {
  const marked = markGone(entries.slice(0, 2), [entries[1]]);
  assert.deepEqual(marked.map((entry) => entry.gone), [true, false]);
});
