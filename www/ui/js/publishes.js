// What a publish of /site would change: its files at two moments, compared.

/** The most folders walked for one list of files (past it: not counted). */
export const SITE_FOLDERS_MAX = 64;

/** `{added, edited, removed}` sorted paths from `then` to `now` (Maps path → content). */
export function filesChanged(then, now) {
  const paths = (map, keep) => [...map.keys()].filter(keep).sort();
  return {
    added: paths(now, (path) => !then.has(path)),
    edited: paths(now, (path) => then.has(path) && then.get(path) !== now.get(path)),
    removed: paths(then, (path) => !now.has(path)),
  };
}

/** In words: "3 files changed: 2 added (/a, /b), 1 edited (/c)"; '' for none. */
export function describeChanges(changes, namesMax = 3) {
  const named = Object.entries(changes).filter(([, paths]) => paths.length);
  const parts = named.map(([verb, paths]) => `${paths.length} ${verb} (` +
    `${paths.slice(0, namesMax).join(', ')}${paths.length > namesMax ? ', …' : ''})`);
  const count = named.reduce((sum, [, paths]) => sum + paths.length, 0);
  return count ? `${count} file${count === 1 ? '' : 's'} changed: ${parts.join(', ')}` : '';
}

/** The files under `root` at `at` (Map path → content) by `list(path, at)`; null if too many. */
export async function filesUnder(root, at, list, foldersMax = SITE_FOLDERS_MAX) {
  const files = new Map();
  const folders = [''];
  let walked = 0;
  for (const folder of folders) { // grows as it goes: a walk in breadth
    if (walked === foldersMax) return null;
    walked += 1;
    const listing = await list(root + folder, at).catch((error) => {
      if (error.status === 404 && folder === '') return { entries: [] }; // no root then
      throw error;
    });
    for (const { name, kind, content } of listing.entries) {
      if (kind === 'folder') folders.push(`${folder}/${name}`);
      else files.set(`${folder}/${name}`, content);
    }
  }
  return files;
}
