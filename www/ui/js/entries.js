// A folder's entries: each file's kind (by extension) and their order.

const kindsByExtension = {
  text: 'txt md csv log json xml yaml yml toml ini conf html css js mjs ts rs go py rb c h cpp java' +
    ' sh sql svg tex diff',
  image: 'png jpg jpeg gif webp avif bmp ico',
  audio: 'mp3 ogg oga opus wav flac m4a aac',
  video: 'mp4 webm ogv mov m4v',
  pdf: 'pdf',
  archive: 'zip tar gz tgz xz zst 7z',
};
const kindByExtension = new Map(Object.entries(kindsByExtension)
  .flatMap(([kind, list]) => list.split(' ').map((ext) => [ext, kind])));

/** A file's kind by its name: text, image, audio, video, pdf, archive or other. */
export function fileKind(name) {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return name.toLowerCase() === 'readme' ? 'text' : 'other';
  return kindByExtension.get(name.slice(dot + 1).toLowerCase()) ?? 'other';
}

/** What the Kind column says: "Folder", or the kind of a file in words. */
export function kindLabel(entry) {
  const kind = entry.kind === 'folder' ? 'folder' : fileKind(entry.name);
  return { pdf: 'PDF', other: 'File' }[kind] ?? kind[0].toUpperCase() + kind.slice(1);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** A sorted copy of `entries`: folders first, then by `key`, then by name. */
export function sortEntries(entries, key = 'name', descending = false) {
  const sign = descending ? -1 : 1;
  const byKey = {
    name: (left, right) => collator.compare(left.name, right.name),
    size: (left, right) => (left.size ?? 0) - (right.size ?? 0),
    modified: (left, right) => compareText(left.modified ?? '', right.modified ?? ''),
    kind: (left, right) => collator.compare(kindLabel(left), kindLabel(right)),
  }[key];
  if (!byKey) throw new Error(`unknown sort key: ${key}`);
  return [...entries].sort((left, right) => {
    const folders = (right.kind === 'folder') - (left.kind === 'folder');
    if (folders !== 0) return folders;
    return sign * byKey(left, right) || collator.compare(left.name, right.name);
  });
}

// Server dates all have 9 fraction digits (API.md), so text order is time order.
function compareText(left, right) {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Copies of the entries at T with `gone`: their node is not in the listing of now. */
export function markGone(entriesThen, entriesNow) {
  const nodesNow = new Set(entriesNow.map((entry) => entry.node));
  return entriesThen.map((entry) => ({ ...entry, gone: !nodesNow.has(entry.node) }));
}
