// Modal questions in <dialog> (focus trapped, Escape cancels) and toasts.

import { h } from './dom.js';

/** How long a toast stays when nobody acts on it. */
export const TOAST_TIMEOUT_MS = 10_000;

/**
 * Asks for one line of text. Resolves to the text entered, or null when
 * cancelled. `validate(text)` returns an error message or '' to accept.
 */
export function askText({ title, label, value = '', submit = 'OK', validate = () => '' }) {
  const input = h('input', { type: 'text', value, required: true, spellcheck: false });
  const field = h('label', {}, label, input);
  const answered = askForm(title, submit, () => validate(input.value), field);
  const dot = value.lastIndexOf('.');
  input.setSelectionRange(0, dot > 0 ? dot : value.length); // the name without its extension
  return answered.then((yes) => (yes ? input.value : null));
}

/** Asks to confirm what `content` (nodes) says: true for `submit`, false when cancelled. */
export function askYes(title, submit, ...content) {
  return askForm(title, submit, () => '', content);
}

// A modal form that resolves to true when submitted, false when cancelled;
// `check()` returns '' to let it submit, else a message shown in it.
function askForm(title, submit, check, ...fields) {
  const error = h('p.dialog-error', { role: 'alert' });
  const cancel = h('button', {}, 'Cancel');
  const form = h('form', { method: 'dialog' }, h('h2', {}, title), fields, error,
    h('div.dialog-buttons', {}, cancel, h('button.primary', { type: 'submit' }, submit)));
  let submitted = false;
  form.addEventListener('submit', (event) => {
    error.textContent = check();
    submitted = !error.textContent;
    if (!submitted) event.preventDefault();
  });
  return modal('dialog', title, cancel, form).then(() => submitted);
}

/** Shows `content` (nodes) in a modal with a Close button; resolves when closed. */
export function showModal(title, className, ...content) {
  const close = h('button', {}, 'Close');
  const shown = modal(`dialog.${className}`, title, close,
    h('div.dialog-head', {}, h('h2', {}, title), close), ...content);
  close.focus();
  return shown;
}

// Shows a <dialog> that `close` (a button) closes; resolves once it is closed and gone.
function modal(tag, title, close, ...content) {
  const dialog = h(tag, { 'aria-label': title }, ...content);
  close.addEventListener('click', () => dialog.close());
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => {
    dialog.remove();
    resolve();
  }));
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

/** A toast, with a button for `action` ({label, run}); an error stays until dismissed. */
export function toast(message, { action = null, error = false } = {}) {
  const region = document.getElementById('toasts');
  const dismiss = () => item.remove();
  const item = h(`div.toast${error ? '.toast-error' : ''}`, { role: error ? 'alert' : 'status' },
    h('span', {}, message),
    action && h('button', { onclick: () => { dismiss(); action.run(); } },
      action.label),
    h('button.toast-close', { 'aria-label': 'Dismiss', onclick: dismiss }, '×'));
  region.append(item);
  if (!error) setTimeout(dismiss, TOAST_TIMEOUT_MS);
  return item;
}
