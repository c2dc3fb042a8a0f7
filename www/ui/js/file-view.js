// One file: size, refs, dates, and a preview by kind (audio and video seek
// with Range requests; PDF in the browser's viewer; else a download).

import { fileUrl, readText } from './api.js';
import { splitLines } from './diff.js';
import { h } from './dom.js';
import { fileKind } from './entries.js';
import { icon } from './icons.js';
import { describeAge, formatBytes, formatExact, toMillis } from './time-format.js';
import { formatHash } from './url-state.js';

/** The most bytes of a text file shown; the rest is a download away. */
export const TEXT_PREVIEW_BYTES_MAX = 512 * 1024;

/** The view of `entry` (a `?meta=1` answer) at `state.at`, with `buttons` in its head. */
export async function fileView(state, entry, buttons, signal) {
  const kind = fileKind(entry.name);
  const url = fileUrl(state.path, state.at);
  const download = h('a.button', { href: url, download: entry.name }, 'Download');
  const facts = h('dl.facts', {},
    fact('Size', `${formatBytes(entry.size)} (${entry.size.toLocaleString('en')} bytes)`),
    fact('Modified', dateWords(entry.modified)),
    fact('Created', dateWords(entry.created)),
    fact('Content', refLink(entry.content, state.at)),
    fact('Node', refLink(entry.node, state.at)));
  const preview = await previewOf(kind, entry, url, state, signal);
  return h('article.file', {},
    h('div.file-head', {}, icon(kind), h('h1', {}, entry.name),
      h('div.file-actions', {}, download, buttons)),
    facts, h('div.preview', {}, preview));
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}

/** A date as words with the exact time beside it. */
export function dateWords(text) {
  if (!text) return '—';
  return h('span', {}, describeAge(toMillis(text), Date.now()), ' ',
    h('time.exact', { dateTime: text }, formatExact(text)));
}

/** A link to the inspector for a ref. */
export function refLink(ref, at) {
  if (!ref) return '—';
  return h('a.ref', { href: formatHash({ path: '/', inspect: ref, at }) }, h('code', {}, ref));
}

async function previewOf(kind, entry, url, state, signal) {
  switch (kind) {
    case 'text': return textPreview(entry, state, signal);
    case 'image': return h('img.preview-image', { src: url, alt: entry.name });
    case 'audio': case 'video': return h(kind, { src: url, controls: true, preload: 'metadata' });
    case 'pdf': return h('iframe.preview-pdf', { src: url, title: entry.name });
    default: return h('p', {}, 'No preview for this kind of file. ',
      h('a', { href: url, download: entry.name }, `Download ${entry.name}`), '.');
  }
}

async function textPreview(entry, state, signal) {
  const cut = entry.size > TEXT_PREVIEW_BYTES_MAX;
  const text = entry.size === 0 ? '' :
    await readText(fileUrl(state.path, state.at), cut ? TEXT_PREVIEW_BYTES_MAX : null, signal);
  return [
    numberedLines(text),
    cut && h('p.note', {}, `Showing the first ${formatBytes(TEXT_PREVIEW_BYTES_MAX)} of `,
      formatBytes(entry.size), '.'),
  ];
}

/** Text as an ordered list of lines, numbered by CSS counters (copying skips the numbers). */
export function numberedLines(text) {
  const lines = text ? splitLines(text) : ['']; // an empty file is one empty line
  return h('ol.lines', { 'aria-label': 'File contents' },
    lines.map((line) => h('li', {}, h('code', {}, line || '\u200b'))));
}
