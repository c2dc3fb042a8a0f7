// The page around the views once signed in: the top bar (breadcrumbs and
// actions), the timeline, the main area, the side panel, the upload panel.

import { fill, h } from './dom.js';
import { icon } from './icons.js';
import { formatHash, splitPath } from './url-state.js';

/** Builds the shell into `root`; `handlers` has the top bar's actions. */
export function buildShell(root, timeline, uploads, handlers) {
  const filePicker = h('input', { type: 'file', multiple: true, hidden: true,
    onchange: (event) => handlers.picked(event.target) });
  const folderPicker = h('input', { type: 'file', multiple: true, hidden: true,
    webkitdirectory: true, onchange: (event) => handlers.picked(event.target) });
  const button = (label, iconName, onclick, extra = {}) =>
    h('button', { type: 'button', onclick, ...extra }, iconName && icon(iconName), h('span', {},
      label));
  const changeButtons = [
    button('Upload', 'upload', () => filePicker.click(), { 'aria-keyshortcuts': 'U' }),
    button('Upload folder', 'upload', () => folderPicker.click(),
      { 'aria-keyshortcuts': 'Shift+U' }),
    button('New folder', 'newFolder', handlers.newFolder, { 'aria-keyshortcuts': 'N' }),
  ];
  const restoreButton = button('Restore this folder to this moment', 'history',
    handlers.restoreShown, { hidden: true });
  const backToNow = h('button.back-to-now', { type: 'button', hidden: true,
    onclick: handlers.backToNow, 'aria-keyshortcuts': '.' }, 'Back to now');
  const siteLink = h('a.site-link', { href: '/' }, 'Website');
  const breadcrumbs = h('nav.breadcrumbs', { 'aria-label': 'Folder path' });
  const top = h('header.top', {},
    h('a.brand', { href: '#/', title: 'strata: all files, now' }, 'strata'),
    breadcrumbs,
    h('div.top-actions', {}, changeButtons, restoreButton, siteLink,
      button('?', null, handlers.help, { 'aria-label': 'Keyboard shortcuts',
        'aria-keyshortcuts': '?', title: 'Keyboard shortcuts (?)' }),
      button('Sign out', null, handlers.signOut)),
    filePicker, folderPicker);
  const view = h('main.view', { id: 'view', tabIndex: -1 });
  const panel = h('aside.panel', { id: 'panel', hidden: true, 'aria-label': 'Side panel' });
  timeline.element.querySelector('.when').append(backToNow);
  fill(root, top, timeline.element, h('div.body', {}, view, panel), uploads.element);
  return {
    view, panel, filePicker, folderPicker,
    /** Shows where we are and what can be done at that moment. */
    update(state) {
      fill(breadcrumbs, crumbs(state));
      for (const item of changeButtons) item.disabled = Boolean(state.at);
      restoreButton.hidden = !state.at || !state.isFolder || Boolean(state.inspect);
      backToNow.hidden = !state.at;
      siteLink.href = state.at ? `/@${state.at}/` : '/';
      siteLink.textContent = state.at ? 'Website at this moment' : 'Website';
    },
  };
}

function crumbs(state) {
  const names = splitPath(state.path);
  const items = [h('li', {}, h('a', { href: formatHash({ path: '/', at: state.at }) }, 'Files'))];
  names.forEach((name, index) => {
    const path = '/' + names.slice(0, index + 1).join('/');
    const isLast = index === names.length - 1;
    const isFolder = !isLast || state.isFolder;
    items.push(h('li', {}, h('a', { href: formatHash({ path, isFolder, at: state.at }),
      'aria-current': isLast ? 'page' : null }, name)));
  });
  return h('ol', {}, items);
}
