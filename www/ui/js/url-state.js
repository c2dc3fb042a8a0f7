// The UI's state in the URL's fragment (a moment can be bookmarked): `#/docs/`
// (a folder), `#/docs/a.txt?at=<date>&panel=history`, `#/?inspect=<ref>`.

/** The panels that can sit beside a view. */
export const PANELS = ['history', 'site'];

/** Parses a fragment into `{path, isFolder, at, panel, inspect}`; never throws. */
export function parseHash(hash) {
  const [rawPath, queryText = ''] = hash.replace(/^#/, '').split(/\?(.*)/s);
  const query = new URLSearchParams(queryText);
  const segments = rawPath.split('/').map(safeDecode)
    .filter((name) => name && name !== '.' && name !== '..'); // '' and undecodable: null
  const panel = query.get('panel');
  return {
    path: '/' + segments.join('/'),
    isFolder: segments.length === 0 || rawPath.endsWith('/'),
    at: query.get('at') || null,
    panel: PANELS.includes(panel) ? panel : null,
    inspect: query.get('inspect') || null,
  };
}

/** The fragment (with `#`) of a state as `parseHash` returns it. */
export function formatHash({ path = '/', isFolder = true, at = null, panel = null, inspect = null }) {
  const segments = splitPath(path).map(encodeURIComponent);
  let text = '#/' + segments.join('/');
  if (isFolder && segments.length > 0) text += '/';
  const query = new URLSearchParams(Object.entries({ at, panel, inspect })
    .filter(([, value]) => value)).toString();
  return query ? `${text}?${query}` : text;
}

/** The names along a tree path: `/a/b c/` → `['a', 'b c']`. */
export const splitPath = (path) => path.split('/').filter((segment) => segment !== '');

/** Joins a folder path and a name: (`/docs`, `a.txt`) → `/docs/a.txt`. */
export const joinPath = (folder, name) => folder.replace(/\/?$/, '/') + name;

/** The folder holding `path` (`/docs/a.txt` → `/docs`; `/` → `/`). */
export const parentPath = (path) => '/' + splitPath(path).slice(0, -1).join('/');

/** The last name of `path`, or '' for the root. */
export const baseName = (path) => splitPath(path).pop() ?? '';

/** A tree path percent-encoded for the API: `/a b/c` → `/a%20b/c`. */
export const encodePath = (path) => '/' + splitPath(path).map(encodeURIComponent).join('/');

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // a stray `%` in a hand-typed URL: drop the segment
  }
}
