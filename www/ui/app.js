// The entry point: sign-in without a session, else one render per URL
// fragment (url-state.js), each aborting the last (no stale folder shows).

import { entryOf, hasSession, listFolder, onSignedOut, signOut } from './js/api.js';
import { changes } from './js/changes.js';
import { toast } from './js/dialogs.js';
import { fill, h } from './js/dom.js';
import { markGone } from './js/entries.js';
import { fileView } from './js/file-view.js';
import { FolderView } from './js/folder-view.js';
import { historyPanel } from './js/history-panel.js';
import { inspectorView } from './js/inspector.js';
import { buildShell } from './js/shell.js';
import { showSignIn } from './js/signin.js';
import { Timeline } from './js/timeline.js';
import { websitePanel } from './js/website-panel.js';
import { filesOfDrop, filesOfInput, Uploads } from './js/uploads.js';
import { formatHash, joinPath, parentPath, parseHash } from './js/url-state.js';
import { routeKey, showHelp } from './js/keys.js';

/** How long the timeline's handle must rest before the folder is fetched. */
const SCRUB_DEBOUNCE_MS = 40;
/** How long the timeline rests before the URL follows (browsers refuse many writes). */
const URL_REST_MS = 250;

const root = document.getElementById('app');
const ui = {}; // the parts (shell, timeline, folder, …) and the state shown
let routed = false;

async function start() {
  try {
    if (!(await hasSession())) return showSignIn(root, start);
  } catch (error) {
    fill(root, h('main.signin-page', {}, h('p.signin-error', { role: 'alert' },
      `The server cannot be reached: ${error.message}`)));
    return;
  }
  buildUi();
  if (!routed) {
    routed = true;
    window.addEventListener('hashchange', () => route());
    window.addEventListener('keydown', (event) => routeKey(event, actions));
  }
  route();
  refreshTimeline();
}

function buildUi() {
  document.title = 'strata';
  ui.timeline = new Timeline(onTimelineMove);
  ui.uploads = new Uploads((counts) => {
    refreshAll();
    const failed = counts.failed ? `, ${counts.failed} failed` : '';
    toast(`Uploaded ${counts.done} of ${counts.total} files${failed}.`, { error: counts.failed > 0 });
  });
  ui.folder = new FolderView({
    open: (entry) => go({ ...ui.state, path: joinPath(ui.state.path, entry.name),
      isFolder: entry.kind === 'folder', panel: ui.state.panel === 'site' ? 'site' : null }),
    act: (name, entry) => act(name, joinPath(ui.state.path, entry.name), entry.kind === 'folder'),
    dropPath: (from, folder) => folder && ui.changes.moveInto(from, folder),
    dropFiles: uploadDrop,
  });
  ui.changes = changes({ refresh: refreshAll, leave });
  ui.shell = buildShell(root, ui.timeline, ui.uploads, actions);
  ui.folder.acceptDrops(ui.shell.view, null);
  onSignedOut(() => showSignIn(root, start));
}

/** Goes to `state`: a new history entry, or a replaced one with `replace`. */
function go(state, { replace = false } = {}) {
  if (ui.urlTimer) writeUrl(); // the moment scrubbed to stays in the history
  const hash = formatHash(state);
  if (replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
  route({ keepScroll: state.path === ui.state?.path });
}

function route({ keepScroll = false } = {}) {
  if (!ui.shell?.view.isConnected) return;
  render(parseHash(location.hash), { keepScroll });
}

async function render(state, { keepScroll = false } = {}) {
  ui.controller?.abort();
  ui.controller = new AbortController();
  const { signal } = ui.controller;
  ui.state = state;
  ui.shell.update(state);
  ui.timeline.show(state.at);
  try {
    const view = await viewOf(state, signal, keepScroll);
    if (view && !signal.aborted) fill(ui.shell.view, view);
  } catch (error) {
    if (!signal.aborted) fill(ui.shell.view, errorView(state, error));
  }
  if (!signal.aborted) await renderPanel(state, signal);
}

async function viewOf(state, signal, keepScroll) {
  if (state.inspect) {
    document.title = `${state.inspect.slice(0, 16)}… · strata`;
    return inspectorView(state.inspect, state.at, signal);
  }
  if (state.isFolder) return folderViewOf(state, signal, keepScroll);
  const entry = await entryOf(state.path, state.at, signal);
  if (entry.kind === 'folder') {
    go({ ...state, isFolder: true }, { replace: true });
    return null;
  }
  document.title = `${entry.name} · strata`;
  return fileView(state, entry, fileButtons(state), signal);
}

async function folderViewOf(state, signal, keepScroll) {
  document.title = `${state.path} · strata`;
  const now = state.at && nowListing(state.path);
  const { entries } = await listFolder(state.path, state.at, signal);
  if (!state.at) ui.nowListing = { path: state.path, entries };
  ui.folder.show(state, state.at ? markGone(entries, await now) : entries, { keepScroll });
  return ui.folder.element.isConnected ? null : ui.folder.element;
}

// The listing of now, kept while scrubbing (only our changes change it); not
// tied to one render's signal, since every step of a scrub shares it.
async function nowListing(path) {
  if (ui.nowListing?.path !== path) {
    const entries = listFolder(path, null).then((answer) => answer.entries,
      () => []); // gone now: every entry of then is marked
    ui.nowListing = { path, entries };
  }
  return ui.nowListing.entries;
}

function fileButtons(state) {
  const button = (label, onclick, extra) => h('button', { onclick, ...extra }, label);
  const now = !state.at;
  return [
    button('History', () => togglePanel('history'), { 'aria-keyshortcuts': 'H' }),
    ...['Rename', 'Move', 'Delete'].map((label) =>
      now && button(label, () => act(label.toLowerCase(), state.path, false))),
    !now && button('Restore this file to this moment',
      () => ui.changes.restoreTo(state.path, state.at)),
  ];
}

async function renderPanel(state, signal) {
  const panel = ui.shell.panel;
  panel.hidden = !state.panel;
  if (!state.panel) return;
  const close = h('button.panel-close', { 'aria-label': 'Close the panel',
    onclick: () => togglePanel(null) }, '×');
  const content = await (state.panel === 'site' ? websitePanel(state, refreshAll, signal) :
    historyPanel(state, (path, at) => ui.changes.restoreTo(path, at), signal))
    .catch((error) => h('p.panel-error', { role: 'alert' }, `Cannot show this: ${error.message}`));
  if (signal.aborted) return;
  fill(panel, close, content);
  if (ui.panelOpened) close.focus(); // keyboard users land in the panel they opened
  ui.panelOpened = false;
}

function errorView(state, error) {
  const message = error.status !== 404 ? error.message : state.at ?
    `Nothing was at ${state.path} at that moment.` : `Nothing is at ${state.path} now.`;
  return h('div.error-view', { role: 'alert' }, h('h1', {}, 'Cannot show this'),
    h('p', {}, message),
    h('p', {}, h('a', { href: formatHash({ path: parentPath(state.path), at: state.at }) },
      'Go to the parent folder')));
}

function onTimelineMove(at, { settled }) {
  clearTimeout(ui.scrubTimer);
  clearTimeout(ui.urlTimer);
  ui.urlTimer = setTimeout(writeUrl, URL_REST_MS);
  const state = { ...ui.state, at };
  if (settled) return render(state, { keepScroll: true });
  ui.shell.update(state);
  ui.scrubTimer = setTimeout(() => render(state, { keepScroll: true }), SCRUB_DEBOUNCE_MS);
}

/** Writes the state shown into the URL. */
function writeUrl() {
  clearTimeout(ui.urlTimer);
  ui.urlTimer = null;
  history.replaceState(null, '', formatHash(ui.state));
}

function togglePanel(panel) {
  const next = ui.state.panel === panel ? null : panel;
  ui.panelOpened = Boolean(next);
  go({ ...ui.state, panel: next }, { replace: true });
}

function act(name, path, isFolder) {
  const selected = { rename: () => ui.changes.rename(path),
    move: () => ui.changes.moveWithDialog(path),
    delete: () => ui.changes.deleteWithUndo(path),
    history: () => go({ ...ui.state, path, isFolder, panel: 'history' }),
    inspect: () => entryOf(path, ui.state.at).then((entry) =>
      go({ ...ui.state, inspect: entry.node, panel: null })),
  }[name];
  if (!ui.state.at || name === 'history' || name === 'inspect') selected?.();
  else toast('The past cannot be changed: go back to now first (press .).');
}

function leave(path) {
  if (ui.state.path === path || ui.state.path.startsWith(`${path}/`)) {
    go({ path: parentPath(path), isFolder: true, at: null, panel: null, inspect: null });
  }
}

const folderShown = () => (ui.state.isFolder ? ui.state.path : parentPath(ui.state.path));

async function uploadDrop(dataTransfer, folder) {
  if (ui.state.at) return;
  const files = await filesOfDrop(dataTransfer);
  ui.uploads.add(files, folder ?? folderShown());
}

function refreshAll() {
  ui.nowListing = null;
  route({ keepScroll: true });
  refreshTimeline();
}

function refreshTimeline() {
  ui.timeline.refresh()
    .catch((error) => toast(`The timeline could not be read: ${error.message}`, { error: true }));
}

/** What the top bar's buttons (shell.js) and the keys (keys.js) do. */
const actions = {
  help: showHelp,
  upload: () => !ui.state.at && ui.shell.filePicker.click(),
  uploadFolder: () => !ui.state.at && ui.shell.folderPicker.click(),
  picked: (input) => { ui.uploads.add(filesOfInput(input), folderShown()); input.value = ''; },
  newFolder: () => !ui.state.at && ui.changes.newFolder(folderShown()),
  restoreShown: () => ui.changes.restoreTo(ui.state.path, ui.state.at),
  previous: () => ui.timeline.step(-1),
  next: () => ui.timeline.step(1),
  now: () => go({ ...ui.state, at: null }),
  parent: () => go({ ...ui.state, path: parentPath(ui.state.path), isFolder: true,
    inspect: null }),
  focusTimeline: () => ui.timeline.track.focus(),
  focusList: () => ui.folder.viewport.focus(),
  website: () => togglePanel('site'),
  escape: () => ui.state.panel && togglePanel(null),
  signOut: async () => { await signOut().catch(() => {}); showSignIn(root, start); },
};

start();
