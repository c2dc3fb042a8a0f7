// The history of one node: its events; open, download, diff or restore a version.

import { historyOf, readText, versionUrl } from './api.js';
import { showModal } from './dialogs.js';
import { diffView } from './diff-view.js';
import { h } from './dom.js';
import { fileKind } from './entries.js';
import { dateWords } from './file-view.js';
import { formatBytes } from './time-format.js';
import { baseName, formatHash } from './url-state.js';

/** The most bytes of each version read for a diff. */
export const DIFF_BYTES_MAX = 1024 * 1024;

/** The panel of the node at `state.path` (at `state.at`); `restore(path, date)`. */
export async function historyPanel(state, restore, signal) {
  const answer = await historyOf(state.path, state.at, signal);
  const name = baseName(answer.path) || '/';
  const isText = fileKind(name) === 'text';
  const chosen = new Set();
  const compare = h('button', { disabled: true, onclick: () =>
    showDiff(name, ...answer.events.filter((event) => chosen.has(event)).reverse()) },
  'Compare the 2 chosen versions');
  const onChoose = (event, checked) => {
    chosen[checked ? 'add' : 'delete'](event);
    compare.disabled = chosen.size !== 2;
  };
  const items = answer.events.map((event) =>
    eventItem(answer, event, { isText, onChoose, restore, state }));
  return h('div.history', {},
    h('h2', {}, 'History of ', h('span.history-name', {}, name)),
    h('p.note', {}, `${answer.events.length} events, newest first.`),
    isText && compare,
    h('ol.events', {}, items));
}

function eventItem(answer, event, { isText, onChoose, restore, state }) {
  const hasContent = Boolean(event.content);
  const openHref = formatHash({ path: answer.path, isFolder: !hasContent && !isFile(answer),
    at: event.date });
  const details = [];
  if (event.size !== undefined) details.push(formatBytes(event.size));
  if (event.from || event.to) details.push([event.from, event.to].filter(Boolean).join(' → '));
  return h(`li.event.event-${event.type}`, { 'data-date': event.date },
    h('div.event-head', {},
      h('strong', {}, event.type[0].toUpperCase() + event.type.slice(1)), ' ', // Created…
      dateWords(event.date)),
    details.length > 0 && h('div.event-details', {}, details.join(' · ')),
    h('div.event-actions', {},
      h('a', { href: openHref }, 'Open as it was'),
      hasContent && h('a', { href: versionUrl(event.content), download: baseName(answer.path) },
        'Download'),
      h('button', { disabled: Boolean(state.at && state.at < event.date),
        onclick: () => restore(answer.path, event.date) }, 'Restore to here'),
      isText && hasContent && h('label.choose', {},
        h('input', { type: 'checkbox', onchange: (change) => onChoose(event, change.target.checked) }),
        'compare')));
}

function isFile(answer) {
  return answer.events.some((event) => event.content);
}

async function showDiff(name, older, newer) {
  const readSized = async (event) => (event.size === 0 ? '' :
    readText(versionUrl(event.content), event.size > DIFF_BYTES_MAX ? DIFF_BYTES_MAX : null));
  const [before, after] = await Promise.all([readSized(older), readSized(newer)]);
  await showModal(`Changes to ${name}`, 'diff-dialog',
    h('p.note', {}, 'From the version of ', dateWords(older.date), ' to that of ',
      dateWords(newer.date), '.'),
    diffView(before, after));
}
