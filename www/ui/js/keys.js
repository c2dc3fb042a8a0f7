// The page-wide keyboard shortcuts and their help (`?`).

import { showModal } from './dialogs.js';
import { h } from './dom.js';

const bindings = {
  '?': 'help', u: 'upload', U: 'uploadFolder', n: 'newFolder', '[': 'previous', ']': 'next',
  '.': 'now', Backspace: 'parent', t: 'focusTimeline', l: 'focusList', w: 'website',
  Escape: 'escape',
};

/** Runs the action bound to `event`'s key, unless typed in a field or with Ctrl/Alt/Meta. */
export function routeKey(event, actions) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
  if (event.target.closest?.('input, textarea, select, [contenteditable], dialog')) return;
  const name = bindings[event.key];
  if (!name || !actions[name]) return;
  event.preventDefault();
  actions[name]();
}

/** [keys, what they do], in the order the help shows them. */
export const SHORTCUTS = [
  ['?', 'Show this list'],
  ['↑ ↓ Home End PgUp PgDn', 'Choose an entry in the list'],
  ['Enter', 'Open the chosen entry'],
  ['Backspace', 'Go to the parent folder'],
  ['F2', 'Rename the chosen entry'],
  ['M', 'Move the chosen entry'],
  ['Delete', 'Delete the chosen entry (undo from the toast)'],
  ['H', 'History of the chosen entry'],
  ['I', 'Inspect the chosen entry'],
  ['U / Shift+U', 'Upload files / a folder'],
  ['N', 'New folder'],
  ['[ ]', 'Previous / next change in time'],
  ['← →', 'Previous / next change, on the timeline'],
  ['.', 'Back to now'],
  ['T / L', 'Focus the timeline / the list'],
  ['W', 'The website panel: publish, roll back'],
  ['Esc', 'Close the side panel or a dialog'],
];

/** Opens the help dialog. */
export function showHelp() {
  return showModal('Keyboard shortcuts', 'help-dialog',
    h('table.shortcuts', {}, h('tbody', {}, SHORTCUTS.map(([keys, meaning]) =>
      h('tr', {}, h('th', { scope: 'row' }, keys.split(' ').map((key) => h('kbd', {}, key))),
        h('td', {}, meaning))))));
}
