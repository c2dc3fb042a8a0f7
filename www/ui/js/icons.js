// Inline SVG icons by kind and action, drawn in currentColor.

const folder = 'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9A1.5 1.5 0 0 1 19.5 ' +
  '19h-15A1.5 1.5 0 0 1 3 17.5z';
const sheet = 'M6 3h8l4 4v14H6z M14 3v4h4'; // a page with its corner folded
const paths = {
  folder,
  other: sheet,
  text: `${sheet} M9 11h6 M9 14h6 M9 17h4`,
  image: 'M4 5h16v14H4z M4 16l5-5 4 4 2-2 5 5 M15.5 9.5a1.5 1.5 0 1 0 .01 0',
  audio: 'M9 18V6l10-2v12 M9 18a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0z M19 16a2.5 2.5 0 1 1-5 0 ' +
    '2.5 2.5 0 0 1 5 0z',
  video: 'M3 6h13v12H3z M16 10l5-3v10l-5-3',
  pdf: `${sheet} M8.5 16h7 M8.5 13h7`,
  archive: 'M4 4h16v4H4z M5 8h14v12H5z M10 12h4',
  upload: 'M12 16V4 M7 9l5-5 5 5 M4 20h16',
  newFolder: `${folder} M12 10v6 M9 13h6`,
  history: 'M12 7v5l3 2 M3.5 12a8.5 8.5 0 1 0 2.5-6 M3 4v4h4',
  website: 'M12 3a9 9 0 1 0 .01 0 M3 12h18 M12 3c-3 3.5-3 14.5 0 18 M12 3c3 3.5 3 14.5 0 18',
};

/** A decorative `<svg>` for `name` (a kind or an action); unknown names draw a plain file. */
export function icon(name) {
  const known = name in paths ? name : 'other';
  const [svg, path] = ['svg', 'path'].map((tag) =>
    document.createElementNS('http://www.w3.org/2000/svg', tag));
  for (const [key, value] of [['viewBox', '0 0 24 24'], ['class', `icon icon-${known}`],
    ['aria-hidden', 'true']]) svg.setAttribute(key, value);
  path.setAttribute('d', paths[known]);
  svg.append(path);
  return svg;
}
