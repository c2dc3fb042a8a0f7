// Changes from the UI, each one API call reported in a toast. Undoing a
// delete restores the path as it was 1 ns before it.

import { makeFolder, move, remove, restore } from './api.js';
import { askText, nameProblem, toast } from './dialogs.js';
import { formatExact, instantBefore } from './time-format.js';
import { baseName, joinPath, parentPath } from './url-state.js';

/**
 * The changes, bound to `refresh()` (re-reads the view and the timeline
 * after every change) and `leave(path)` (goes to the parent folder if the
 * view shows `path` or something under it: it was just deleted).
 */
export function changes({ refresh, leave }) {
  const attempt = async (what, work) => {
    try {
      return await work();
    } catch (error) {
      toast(`${what} failed: ${error.message}`, { error: true });
      return null;
    } finally {
      refresh();
    }
  };

  async function newFolder(folder) {
    const name = await askText({ title: 'New folder', label: 'Name', value: 'New folder',
      submit: 'Create', validate: nameProblem });
    if (name === null) return;
    const path = joinPath(folder, name);
    if (await attempt('Creating the folder', () => makeFolder(path))) {
      toast(`Created the folder ${name}.`);
    }
  }

  async function rename(path) {
    const oldName = baseName(path);
    const name = await askText({ title: `Rename ${oldName}`, label: 'New name', value: oldName,
      submit: 'Rename', validate: nameProblem });
    if (name === null || name === oldName) return;
    const to = joinPath(parentPath(path), name);
    if (await attempt('Renaming', () => move(path, to))) toast(`Renamed ${oldName} to ${name}.`);
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
    if (await attempt('Moving', () => move(path, to))) {
      toast(`Moved ${baseName(path)} to ${folder}.`);
    }
  }

  async function deleteWithUndo(path) {
    const answer = await attempt('Deleting', () => remove(path));
    if (!answer) return;
    leave(path);
    const before = instantBefore(answer.claimDate);
    toast(`Deleted ${baseName(path)}.`, {
      action: { label: 'Undo', run: () => restoreTo(path, before, { quiet: true }) },
    });
  }

  async function restoreTo(path, at, { quiet = false } = {}) {
    const answer = await attempt('Restoring', () => restore(path, at));
    if (!answer) return;
    toast(quiet ? `Brought back ${baseName(path) || '/'}.` :
      `Restored ${baseName(path) || '/'} to ${formatExact(at)}` +
      ` (${answer.restored} restored, ${answer.deleted} deleted).`);
  }

  return { newFolder, rename, moveWithDialog, moveInto, deleteWithUndo, restoreTo };
}
