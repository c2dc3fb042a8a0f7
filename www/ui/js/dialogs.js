// Modal questions with the browser's own <dialog> (focus is trapped and
// Escape cancels, for free), and the toasts at the bottom of the screen.

import { h } from './dom.js';

/** How long a toast stays when nobody acts on it. */
export const TOAST_TIMEOUT_MS = 10_000;

/**
 * Asks for one line of text. Resolves to the text entered, or null when
 * cancelled. `validate(text)` returns an error message or '' to accept.
 */
export function askText({ title, label, value = '', submit = 'OK', validate = () => '' }) {
  return new Promise((resolve) => {
    const input = h('input', { type: 'text', value, required: true, spellcheck: false });
    const error = h('p.dialog-error', { role: 'alert' });
    const form = h('form', { method: 'dialog' },
      h('h2', {}, title),
      h('label', {}, label, input),
      error,
      h('div.dialog-buttons', {},
        h('button', { type: 'button', value: 'cancel', onclick: () => dialog.close() }, 'Cancel'),
        h('button.primary', { type: 'submit' }, submit)));
    const dialog = h('dialog', { 'aria-label': title }, form);
    let answer = null;
    form.addEventListener('submit', (event) => {
      const problem = validate(input.value);
      if (problem) {
        event.preventDefault();
        error.textContent = problem;
        return;
      }
      answer = input.value;
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    const dot = value.lastIndexOf('.');
    input.setSelectionRange(0, dot > 0 ? dot : value.length); // the name without its extension
  });
}

/** Shows `content` (nodes) in a modal with a Close button; resolves when closed. */
export function showModal(title, className, ...content) {
  return new Promise((resolve) => {
    const close = h('button', { type: 'button', onclick: () => dialog.close() }, 'Close');
    const dialog = h(`dialog.${className}`, { 'aria-label': title },
      h('div.dialog-head', {}, h('h2', {}, title), close), ...content);
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
  });
}

/** A name for a file or folder is 1–255 bytes, without `/`, not `.` or `..` (TREE.md). */
export function nameProblem(name) {
  if (name === '') return 'A name cannot be empty.';
  if (name.includes('/')) return 'A name cannot contain "/".';
  if (name === '.' || name === '..') return 'A name cannot be "." or "..".';
  if (name.includes('\0')) return 'A name cannot contain a NUL character.';
  if (new TextEncoder().encode(name).length > 255) return 'A name is at most 255 bytes.';
  return '';
}

/**
 * Shows a toast; `action` ({label, run}) adds a button. Errors stay until
 * dismissed; others leave after TOAST_TIMEOUT_MS.
 */
export function toast(message, { action = null, error = false } = {}) {
  const region = document.getElementById('toasts');
  const dismiss = () => item.remove();
  const item = h(`div.toast${error ? '.toast-error' : ''}`, { role: error ? 'alert' : 'status' },
    h('span', {}, message),
    action && h('button', { type: 'button', onclick: () => { dismiss(); action.run(); } },
      action.label),
    h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss', onclick: dismiss }, '×'));
  region.append(item);
  if (!error) setTimeout(dismiss, TOAST_TIMEOUT_MS);
  return item;
}
