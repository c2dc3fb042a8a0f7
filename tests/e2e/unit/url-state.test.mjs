// url-state.js: the fragment holds the path, the time and the panel, and round-trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  baseName, encodePath, formatHash, joinPath, parentPath, parseHash,
} from '../../../www/ui/js/url-state.js';

test('an empty fragment is the root folder, now', () => {
  assert.deepEqual(parseHash(''), { path: '/', isFolder: true, at: null, panel: null,
    inspect: null });
  assert.deepEqual(parseHash('#/'), parseHash(''));
});

test('a folder, a time and a panel read back as they were written', () => {
  const state = { path: '/docs/a b', isFolder: true, at: '2026-11-22T10:00:00.123456789Z',
    panel: 'history', inspect: null };
  const hash = formatHash(state);
  assert.equal(hash, '#/docs/a%20b/?at=2026-11-22T10%3A00%3A00.123456789Z&panel=history');
  assert.deepEqual(parseHash(hash), state);
});

test('a file path has no trailing slash and names with # ? % / survive', () => {
  const state = { path: '/x/100% #1?.txt', isFolder: false, at: null, panel: null,
    inspect: null };
  const hash = formatHash(state);
  assert.ok(!hash.includes(' '));
  assert.deepEqual(parseHash(hash), state);
});

test('dot segments, empty segments and broken escapes are dropped, never followed', () => {
  assert.equal(parseHash('#/a/../b/./c//d').path, '/a/b/c/d');
  assert.equal(parseHash('#/a/%E0%A4%A/b').path, '/a/b');
});

test('an unknown panel is ignored and the inspector ref is kept', () => {
  const state = parseHash('#/?panel=evil&inspect=sha224-abc');
  assert.equal(state.panel, null);
  assert.equal(state.inspect, 'sha224-abc');
});

test('path helpers join, split and encode', () => {
  assert.equal(joinPath('/', 'a'), '/a');
  assert.equal(joinPath('/docs', 'a'), '/docs/a');
  assert.equal(parentPath('/docs/a.txt'), '/docs');
  assert.equal(parentPath('/'), '/');
  assert.equal(baseName('/docs/a.txt'), 'a.txt');
  assert.equal(encodePath('/a b/c?d'), '/a%20b/c%3Fd');
});
