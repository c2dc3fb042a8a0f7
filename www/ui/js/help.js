// The keyboard shortcuts, listed once: the help dialog (`?`) is built
// from this table, so it cannot drift from what the keys do.

import { showModal } from './dialogs.js';
import { h } from './dom.js';

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
  ['Esc', 'Close the side panel or a dialog'],
];

/** Opens the help dialog. */
export function showHelp() {
  return showModal('Keyboard shortcuts', 'help-dialog',
    h('table.shortcuts', {}, h('tbody', {}, SHORTCUTS.map(([keys, meaning]) =>
      h('tr', {}, h('th', { scope: 'row' }, keys.split(' ').map((key) => h('kbd', {}, key))),
        h('td', {}, meaning))))));
}
