// publishes.js: what a publish of /site would change, from the lists of
// files of two moments, and the walk that reads those lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SITE_FOLDERS_MAX, describeChanges, filesChanged, filesUnder,
} from '../../../www/ui/js/publishes.js';

const files = (object) => new Map(Object.entries(object));

test('added, edited and removed paths are told apart and sorted', () => {
  const then = files({ '/index.html': 'c1', '/old.css': 'c2', '/same.txt': 'c3' });
  const now = files({ '/index.html': 'c9', '/b.css': 'c4', '/a.css': 'c5', '/same.txt': 'c3' });
  assert.deepEqual(filesChanged(then, now), {
    added: ['/a.css', '/b.css'], edited: ['/index.html'], removed: ['/old.css'],
  });
});

test('the same files at both moments are no change and no words', () => {
  const both = files({ '/index.html': 'c1' });
  const changes = filesChanged(both, new Map(both));
  assert.deepEqual(changes, { added: [], edited: [], removed: [] });
  assert.equal(describeChanges(changes), '');
});

test('the words count every file and name the first few of each kind', () => {
  const changes = { added: ['/a', '/b', '/c', '/d'], edited: ['/index.html'], removed: [] };
  assert.equal(describeChanges(changes),
    '5 files changed: 4 added (/a, /b, /c, …), 1 edited (/index.html)');
  assert.equal(describeChanges({ added: [], edited: [], removed: ['/x'] }),
    '1 file changed: 1 removed (/x)');
});

/** A fake `list(path, at)` over `{at: {folderPath: [entries]}}`; records each call. */
function fakeTree(moments) {
  const calls = [];
  const list = async (path, at) => {
    calls.push([path, at]);
    const entries = moments[at ?? 'now']?.[path];
    if (!entries) throw Object.assign(new Error(`no ${path}`), { status: 404 });
    return { entries };
  };
  return { list, calls };
}

test('the walk reads every folder under the root, in breadth, at the moment given', async () => {
  const { list, calls } = fakeTree({
    T1: {
      '/site': [{ name: 'css', kind: 'folder' }, { name: 'index.html', kind: 'file', content: 'c1' }],
      '/site/css': [{ name: 'a.css', kind: 'file', content: 'c2' }, { name: 'x', kind: 'folder' }],
      '/site/css/x': [],
    },
  });
  const found = await filesUnder('/site', 'T1', list);
  assert.deepEqual([...found], [['/index.html', 'c1'], ['/css/a.css', 'c2']]);
  assert.deepEqual(calls, [['/site', 'T1'], ['/site/css', 'T1'], ['/site/css/x', 'T1']]);
});

test('a root that did not exist then has no files; a missing subfolder is an error', async () => {
  const { list } = fakeTree({ now: { '/site': [{ name: 'gone', kind: 'folder' }] } });
  assert.deepEqual([...await filesUnder('/site', 'T0', list)], []);
  await assert.rejects(filesUnder('/site', null, list), /no \/site\/gone/);
});

test('past the most folders the walk gives up (null) instead of reading on', async () => {
  const chain = {};
  let path = '/site';
  for (let depth = 0; depth <= SITE_FOLDERS_MAX; depth += 1) {
    chain[path] = [{ name: 'd', kind: 'folder' }];
    path += '/d';
  }
  chain[path] = [];
  const { list, calls } = fakeTree({ now: chain });
  assert.equal(await filesUnder('/site', null, list), null);
  assert.equal(calls.length, SITE_FOLDERS_MAX);
  const folders = SITE_FOLDERS_MAX + 2; // the chain's length: exactly enough
  assert.equal((await filesUnder('/site', null, fakeTree({ now: chain }).list, folders)).size, 0);
  assert.equal(await filesUnder('/site', null, fakeTree({ now: chain }).list, folders - 1), null);
});
