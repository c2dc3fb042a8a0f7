// The UI's state in the URL's fragment, so a moment can be bookmarked:
// `#/docs/` (a folder: trailing `/`), `#/docs/a.txt?at=<date>&panel=history`,
// `#/?inspect=<ref>`. Segments are percent-encoded UTF-8.

/** The panels that can sit beside a view. */
export const PANELS = ['history'];

/** Parses a fragment into `{path, isFolder, at, panel, inspect}`; never throws. */
export function parseHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryStart = text.indexOf('?');
  const rawPath = queryStart < 0 ? text : text.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : text.slice(queryStart + 1));
  const segments = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '') continue;
    const name = safeDecode(segment);
    if (name === null || name === '.' || name === '..') continue;
    segments.push(name);
  }
  const isFolder = segments.length === 0 || rawPath.endsWith('/');
  const panel = PANELS.includes(query.get('panel')) ? query.get('panel') : null;
  return {
    path: '/' + segments.join('/'),
    isFolder,
    at: query.get('at') || null,
    panel,
    inspect: query.get('inspect') || null,
  };
}

/** The fragment (with `#`) of a state as `parseHash` returns it. */
export function formatHash({ path = '/', isFolder = true, at = null, panel = null, inspect = null }) {
  const segments = splitPath(path).map(encodeURIComponent);
  let text = '#/' + segments.join('/');
  if (isFolder && segments.length > 0) text += '/';
  const query = new URLSearchParams();
  if (at) query.set('at', at);
  if (panel) query.set('panel', panel);
  if (inspect) query.set('inspect', inspect);
  const queryText = query.toString();
  return queryText ? `${text}?${queryText}` : text;
}

/** The names along a tree path: `/a/b c/` → `['a', 'b c']`. */
export function splitPath(path) {
  return path.split('/').filter((segment) => segment !== '');
}

/** Joins a folder path and a name: (`/docs`, `a.txt`) → `/docs/a.txt`. */
export function joinPath(folder, name) {
  const base = folder.endsWith('/') ? folder : folder + '/';
  return base + name;
}

/** The folder holding `path` (`/docs/a.txt` → `/docs`); the root's parent is the root. */
export function parentPath(path) {
  const segments = splitPath(path);
  segments.pop();
  return '/' + segments.join('/');
}

/** The last name of `path`, or '' for the root. */
export function baseName(path) {
  const segments = splitPath(path);
  return segments.length ? segments[segments.length - 1] : '';
}

/** A tree path percent-encoded for the API: `/a b/c` → `/a%20b/c`. */
export function encodePath(path) {
  return '/' + splitPath(path).map(encodeURIComponent).join('/');
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // a stray `%` in a hand-typed URL: drop the segment
  }
}
