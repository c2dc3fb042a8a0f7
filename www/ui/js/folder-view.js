// A folder's listing: sortable columns, only visible rows rendered, one
// tab stop (a listbox with aria-activedescendant), rows dragged onto folders.

import { fill, h } from './dom.js';
import { fileKind, kindLabel, sortEntries } from './entries.js';
import { icon } from './icons.js';
import { describeAge, formatBytes, formatExact, toMillis } from './time-format.js';
import { formatHash, joinPath } from './url-state.js';
import { VirtualList } from './virtual-list.js';

/** The height of one row in pixels; style.css's `.row` has the same. */
export const ROW_PIXELS = 36;
const dragType = 'application/x-strata-path';
const columns = [['name', 'Name'], ['size', 'Size'], ['modified', 'Modified'], ['kind', 'Kind']];

/** `actions`: open(entry), act(name, entry), dropPath(from, folder), dropFiles(data, folder). */
export class FolderView {
  constructor(actions) {
    this.actions = actions;
    this.sortKey = 'name';
    this.descending = false;
    this.entries = [];
    this.sorted = [];
    this.selected = 0;
    this.state = null;
    this.header = h('div.list-header', { role: 'presentation' });
    this.viewport = h('div.list', { role: 'listbox', tabIndex: 0, 'aria-label': 'Entries' });
    this.empty = h('p.empty', { hidden: true });
    this.element = h('section.folder', {}, this.header, this.viewport, this.empty);
    this.list = new VirtualList(this.viewport, ROW_PIXELS, this);
    this.viewport.addEventListener('keydown', (event) => this.onKey(event));
    this.renderHeader();
  }

  /** Shows `entries` of the folder `state.path` at `state.at`. */
  show(state, entries, { keepScroll }) {
    const sameFolder = this.state?.path === state.path;
    const selectedNode = sameFolder ? this.sorted[this.selected]?.node : null;
    this.state = state;
    this.entries = entries;
    this.sorted = sortEntries(entries, this.sortKey, this.descending);
    const kept = this.sorted.findIndex((entry) => entry.node === selectedNode);
    this.selected = kept >= 0 ? kept : 0;
    this.empty.hidden = entries.length > 0;
    this.empty.textContent = state.at ? 'This folder was empty at that moment.' :
      'This folder is empty. Drop files here or press U to upload.';
    this.list.setItems(this.sorted, { keepScroll: keepScroll && sameFolder });
    this.updateActive();
  }

  /** The selected entry, or null. */
  selectedEntry() {
    return this.sorted[this.selected] ?? null;
  }

  renderHeader() {
    fill(this.header, columns.map(([key, label]) => {
      const active = key === this.sortKey;
      const arrow = active ? (this.descending ? ' ▼' : ' ▲') : '';
      return h(`button.column.column-${key}`, {
        'aria-pressed': String(active),
        title: `Sort by ${label.toLowerCase()} (folders stay first)`,
        onclick: () => this.sortBy(key),
      }, label + arrow);
    }));
  }

  sortBy(key) {
    this.descending = key === this.sortKey ? !this.descending : false;
    this.sortKey = key;
    this.renderHeader();
    if (this.state) this.show(this.state, this.entries, { keepScroll: true });
  }

  pathOf(entry) {
    return joinPath(this.state.path, entry.name);
  }

  /** All a row shows but its place and the moment in its link. */
  keyOf(entry) {
    return [this.state.path, !this.state.at, describeAge(toMillis(entry.modified), Date.now()),
      JSON.stringify(entry)].join(' ');
  }

  placeRow(row, index) {
    row.id = `row-${index}`;
    row.setAttribute('aria-selected', String(index === this.selected));
    row.link.href = formatHash({ path: this.pathOf(row.entry), isFolder: row.entry.kind ===
      'folder', at: this.state.at });
  }

  renderRow(entry) {
    const isFolder = entry.kind === 'folder';
    const kind = isFolder ? 'folder' : fileKind(entry.name);
    const link = h('a', { tabIndex: -1, title: entry.name }, entry.name);
    const row = h(`div.row${entry.gone ? '.gone' : ''}${isFolder ? '.is-folder' : ''}`, {
      role: 'option', 'data-name': entry.name, draggable: !this.state.at ? 'true' : null,
      onclick: () => this.select(Number(row.id.slice(4))),
    },
    h('span.cell.cell-name', {}, icon(kind), link,
      entry.gone && h('span.badge', { title: 'Not in this folder now' }, 'deleted since')),
    h('span.cell.cell-size', {}, isFolder ? '' : formatBytes(entry.size)),
    h('span.cell.cell-modified', { title: formatExact(entry.modified) },
      describeAge(toMillis(entry.modified), Date.now())),
    h('span.cell.cell-kind', {}, kindLabel(entry)));
    row.addEventListener('dragstart', (event) => {
      event.dataTransfer.setData(dragType, this.pathOf(entry));
      event.dataTransfer.effectAllowed = 'move';
    });
    if (isFolder) this.acceptDrops(row, this.pathOf(entry));
    return Object.assign(row, { entry, link });
  }

  /** Lets `target` take dropped rows (a move) and dropped files (an upload into `folder`). */
  acceptDrops(target, folder) {
    const mark = (on) => target.classList.toggle('drop-target', on);
    const take = (event) => { // only now, and only rows or files
      const types = event.dataTransfer.types;
      if (!this.state || this.state.at || !types.includes(dragType) && !types.includes('Files')) {
        return false;
      }
      event.preventDefault();
      event.stopPropagation();
      return true;
    };
    target.addEventListener('dragover', (event) => mark(take(event)));
    target.addEventListener('dragleave', () => mark(false));
    target.addEventListener('drop', (event) => {
      mark(false);
      if (!take(event)) return;
      const from = event.dataTransfer.getData(dragType);
      if (from) this.actions.dropPath(from, folder);
      else this.actions.dropFiles(event.dataTransfer, folder);
    });
  }

  select(index) {
    if (this.sorted.length === 0) return;
    this.selected = Math.max(0, Math.min(this.sorted.length - 1, index));
    this.list.reveal(this.selected);
    this.updateActive();
  }

  updateActive() {
    const present = this.sorted.length > 0;
    this.viewport.setAttribute('aria-activedescendant', present ? `row-${this.selected}` : '');
  }

  onKey(event) {
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_PIXELS) - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity,
      End: Infinity }; // select() clamps
    if (event.key in moves) this.select(this.selected + moves[event.key]);
    else if (event.key === 'Enter' && this.selectedEntry()) this.actions.open(this.selectedEntry());
    else if (!this.keyAction(event)) return;
    event.preventDefault();
  }

  keyAction(event) {
    const name = { F2: 'rename', Delete: 'delete', m: 'move', h: 'history', i: 'inspect' }[event.key];
    const entry = this.selectedEntry();
    if (!name || !entry || event.ctrlKey || event.metaKey || event.altKey) return false;
    this.actions.act(name, entry);
    return true;
  }
}
