// Changes from the UI, each one API call reported in a toast. Undoing a
// delete restores the path as it was 1 ns before it.

import { makeFolder, move, remove, restore } from './api.js';
import { askText, nameProblem, toast } from './dialogs.js';
import { formatExact, instantBefore } from './time-format.js';
import { baseName, joinPath, parentPath } from './url-state.js';

/**
 * The changes; `refresh()` re-reads the views after each, `leave(path)`
 * leaves a deleted `path` if the view is in it.
 */
export function changes({ refresh, leave }) {
  // Runs `work()`, then `done(answer)`; a failure is a toast. Re-reads the views either way.
  const attempt = (what, work, done) => work().then(done,
    (error) => toast(`${what} failed: ${error.message}`, { error: true })).finally(refresh);

  async function newFolder(folder) {
    const name = await askText({ title: 'New folder', label: 'Name', value: 'New folder',
      submit: 'Create', validate: nameProblem });
    if (name === null) return;
    await attempt('Creating the folder', () => makeFolder(joinPath(folder, name)),
      () => toast(`Created the folder ${name}.`));
  }

  async function rename(path) {
    const oldName = baseName(path);
    const name = await askText({ title: `Rename ${oldName}`, label: 'New name', value: oldName,
      submit: 'Rename', validate: nameProblem });
    if (name === null || name === oldName) return;
    await attempt('Renaming', () => move(path, joinPath(parentPath(path), name)),
      () => toast(`Renamed ${oldName} to ${name}.`));
  }

  async function moveWithDialog(path) {
    const folder = await askText({ title: `Move ${baseName(path)}`, label: 'To the folder',
      value: parentPath(path), submit: 'Move',
      validate: (text) => (text.startsWith('/') ? '' : 'A folder path starts with "/".') });
    if (folder === null) return;
    await moveInto(path, folder);
  }

  async function moveInto(path, folder) {
    const to = joinPath(folder, baseName(path));
    if (to === path || folder === path) return;
    await attempt('Moving', () => move(path, to),
      () => toast(`Moved ${baseName(path)} to ${folder}.`));
  }

  function deleteWithUndo(path) {
    return attempt('Deleting', () => remove(path), (answer) => {
      leave(path);
      const before = instantBefore(answer.claimDate);
      toast(`Deleted ${baseName(path)}.`, {
        action: { label: 'Undo', run: () => restoreTo(path, before, { quiet: true }) },
      });
    });
  }

  function restoreTo(path, at, { quiet = false } = {}) {
    const name = baseName(path) || '/';
    return attempt('Restoring', () => restore(path, at), (answer) => toast(quiet ?
      `Brought back ${name}.` : `Restored ${name} to ${formatExact(at)}` +
      ` (${answer.restored} restored, ${answer.deleted} deleted).`));
  }

  return { newFolder, rename, moveWithDialog, moveInto, deleteWithUndo, restoreTo };
}
