// The page around the views: top bar, timeline, view, side panel, uploads.

import { fill, h } from './dom.js';
import { icon } from './icons.js';
import { formatHash, splitPath } from './url-state.js';

/** Builds the shell into `root`; `actions` are app.js's (upload, newFolder, help, …). */
export function buildShell(root, timeline, uploads, actions) {
  const picker = (extra) => h('input', { type: 'file', multiple: true, hidden: true,
    onchange: (event) => actions.picked(event.target), ...extra });
  const filePicker = picker();
  const folderPicker = picker({ webkitdirectory: true });
  const button = (label, iconName, onclick, keys) => h('button', { onclick,
    'aria-keyshortcuts': keys }, iconName && icon(iconName), h('span', {}, label));
  const changeButtons = [
    button('Upload', 'upload', actions.upload, 'U'),
    button('Upload folder', 'upload', actions.uploadFolder, 'Shift+U'),
    button('New folder', 'newFolder', actions.newFolder, 'N'),
  ];
  const restoreButton = button('Restore this folder to this moment', 'history',
    actions.restoreShown);
  const backToNow = h('button.back-to-now', { hidden: true, onclick: actions.now,
    'aria-keyshortcuts': '.' }, 'Back to now');
  const website = button('Website', 'website', actions.website, 'W');
  const siteNote = h('p.site-note', {}, 'This folder is the website at /. ',
    h('button', { onclick: actions.website }, 'Publish or roll back'));
  const breadcrumbs = h('nav.breadcrumbs', { 'aria-label': 'Folder path' });
  const top = h('header.top', {},
    h('a.brand', { href: '#/', title: 'strata: all files, now' }, 'strata'),
    breadcrumbs,
    h('div.top-actions', {}, changeButtons, restoreButton, website,
      h('button', { onclick: actions.help, 'aria-label': 'Keyboard shortcuts',
        'aria-keyshortcuts': '?', title: 'Keyboard shortcuts (?)' }, h('span', {}, '?')),
      button('Sign out', null, actions.signOut)),
    filePicker, folderPicker);
  const view = h('main.view', { id: 'view', tabIndex: -1 });
  const panel = h('aside.panel', { id: 'panel', hidden: true, 'aria-label': 'Side panel' });
  timeline.element.querySelector('.when').append(backToNow);
  fill(root, top, timeline.element, siteNote, h('div.body', {}, view, panel), uploads.element);
  return {
    view, panel, filePicker, folderPicker,
    /** Shows where we are and what can be done at that moment. */
    update(state) {
      fill(breadcrumbs, crumbs(state));
      for (const item of changeButtons) item.disabled = Boolean(state.at);
      restoreButton.hidden = !state.at || !state.isFolder || Boolean(state.inspect);
      backToNow.hidden = !state.at;
      website.setAttribute('aria-pressed', String(state.panel === 'site'));
      siteNote.hidden = !/^\/site(\/|$)/.test(state.path) || state.panel === 'site';
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
