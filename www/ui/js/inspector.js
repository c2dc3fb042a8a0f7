// The inspector: schema blobs (PERKEEP.md) pretty-printed, refs as links;
// a permanode's attributes and claims; other blobs as text or hex.

import { blobUrl, permanode, readBlob } from './api.js';
import { h } from './dom.js';
import { dateWords, refLink } from './file-view.js';
import { formatBytes } from './time-format.js';

/** The most bytes of a blob read for its preview. */
export const INSPECT_BYTES_MAX = 64 * 1024;
/** The most bytes shown as a hex dump. */
export const HEX_BYTES_MAX = 4096;
const refPattern = /^((?:sha224|sha256|sha1)-[0-9a-f]{40,64})(.*)$/s;
const utf8 = (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes); // throws if not

/** The inspector's view of `ref` at `at` (for a permanode's attributes). */
export async function inspectorView(ref, at, signal) {
  const { bytes, size } = await readBlob(ref, INSPECT_BYTES_MAX, signal);
  const schema = parseSchema(bytes, size);
  const parts = [h('h1', {}, schema ? `${schema.camliType} blob` : 'Blob'),
    h('p', {}, h('code.ref', {}, ref), ` · ${formatBytes(size)} · `,
      h('a', { href: blobUrl(ref), download: ref }, 'Download'))];
  if (schema?.camliType === 'permanode') parts.push(await permanodeFacts(ref, at, signal));
  if (schema) parts.push(h('h2', {}, 'Schema blob'), h('pre.json', {}, jsonNodes(schema, at, '')));
  else parts.push(rawPreview(bytes, size));
  return h('article.inspector', {}, parts);
}

function parseSchema(bytes, size) {
  if (size !== bytes.length || bytes[0] !== 0x7b) return null; // `{`, and all of it read
  try {
    const value = JSON.parse(utf8(bytes));
    return typeof value?.camliType === 'string' ? value : null;
  } catch {
    return null;
  }
}

async function permanodeFacts(ref, at, signal) {
  const node = await permanode(ref, at, signal);
  const attributes = Object.entries(node.attributes).map(([name, values]) =>
    h('tr', {}, h('th', { scope: 'row' }, name),
      h('td', {}, values.map((value) => h('div', {}, valueNodes(value, at))))));
  const claims = node.claims.map((claim) =>
    h('tr', {}, h('td', {}, dateWords(claim.date)), h('td', {}, claim.type),
      h('td', {}, claim.attribute ?? ''), h('td', {}, valueNodes(claim.value ?? '', at)),
      h('td', {}, valueNodes(claim.claim, at))));
  return h('section.permanode', {},
    h('h2', {}, at ? 'Attributes at the shown time' : 'Attributes now'),
    h('table.facts-table', {}, h('tbody', {}, attributes)),
    h('h2', {}, `Claims (${node.claims.length}, oldest first)`),
    h('table.facts-table', {},
      h('thead', {}, h('tr', {}, ['Date', 'Type', 'Attribute', 'Value', 'Claim'].map((name) =>
        h('th', { scope: 'col' }, name)))),
      h('tbody', {}, claims)));
}

/** A string value, with a leading ref made a link to its own inspector view. */
function valueNodes(text, at) {
  const match = refPattern.exec(String(text));
  return match ? [refLink(match[1], at), match[2]] : String(text);
}

/** JSON pretty-printed as nodes, two spaces per level, refs as links. */
function jsonNodes(value, at, indent) {
  if (value && typeof value === 'object') {
    const isArray = Array.isArray(value);
    const [open, close] = isArray ? '[]' : '{}';
    const keys = Object.keys(value);
    const inner = indent + '  ';
    return keys.length === 0 ? open + close : [open, '\n', keys.map((key, index) => [inner,
      isArray ? '' : `${JSON.stringify(key)}: `, jsonNodes(value[key], at, inner),
      index < keys.length - 1 ? ',\n' : '\n']), indent, close];
  }
  const match = typeof value === 'string' && refPattern.exec(value);
  if (!match) return JSON.stringify(value);
  return ['"', refLink(match[1], at), JSON.stringify(match[2]).slice(1, -1), '"'];
}

function rawPreview(bytes, size) {
  let text = null;
  try {
    text = utf8(bytes);
  } catch {} // not UTF-8: shown as hex
  const shown = size > bytes.length ? ` (the first ${formatBytes(bytes.length)})` : '';
  if (text !== null && !/[\0-\x08\x0e-\x1f]/.test(text)) {
    return [h('h2', {}, `As text${shown}`), h('pre.raw', {}, text)];
  }
  return [h('h2', {}, `As hex${size > HEX_BYTES_MAX ? ` (the first ${HEX_BYTES_MAX} bytes)` : ''}`),
    h('pre.raw', {}, hexDump(bytes.subarray(0, HEX_BYTES_MAX)))];
}

/** `00000000  48 65 6c 6c …  Hell…`, 16 bytes a line. */
export function hexDump(bytes) {
  const lines = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = [...row].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ?
      String.fromCharCode(byte) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join('\n');
}
