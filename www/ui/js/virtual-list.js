// A list that renders only the rows in view (rows of one height; a spacer
// gives the full scroll height).

import { h } from './dom.js';

/** Rows rendered beyond each edge of the view (no gaps in fast scrolling). */
export const OVERSCAN_ROWS = 8;

/** The rows to render, `{start, end (exclusive), offsetPixels, totalPixels}`. */
export function visibleRange({ scrollPixels, viewportPixels, rowPixels, count,
  overscanRows = OVERSCAN_ROWS }) {
  if (!(rowPixels > 0)) throw new Error('rowPixels must be positive');
  const totalPixels = count * rowPixels;
  const scroll = Math.max(0, Math.min(scrollPixels, Math.max(0, totalPixels - viewportPixels)));
  const first = Math.floor(scroll / rowPixels);
  const last = Math.ceil((scroll + viewportPixels) / rowPixels);
  const start = Math.max(0, first - overscanRows);
  const end = Math.min(count, last + overscanRows);
  return { start, end, offsetPixels: start * rowPixels, totalPixels };
}

/** The scroll position that shows row `index` whole (`scrollPixels` if it is). */
export function scrollToShow({ index, scrollPixels, viewportPixels, rowPixels }) {
  const top = index * rowPixels;
  const bottom = top + rowPixels;
  if (top < scrollPixels) return top;
  if (bottom > scrollPixels + viewportPixels) return bottom - viewportPixels;
  return scrollPixels;
}

/** The DOM side: `viewport` scrolls; `rows` has renderRow(item), keyOf(item), placeRow(row, i). */
export class VirtualList {
  constructor(viewport, rowPixels, rows) {
    Object.assign(this, { viewport, rowPixels, rows, items: [], shown: new Map() });
    this.window = h('div.virtual-window');
    this.spacer = h('div.virtual-spacer', {}, this.window);
    viewport.replaceChildren(this.spacer);
    this.rendered = { start: 0, end: 0 };
    this.scheduled = false;
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }

  /** Shows `items`, keeping the scroll position when asked (a re-render at another time). */
  setItems(items, { keepScroll = true } = {}) {
    this.items = items;
    if (!keepScroll) this.viewport.scrollTop = 0;
    this.render(true);
  }

  /** Scrolls so that row `index` is in view. */
  reveal(index) {
    this.viewport.scrollTop = scrollToShow({
      index, scrollPixels: this.viewport.scrollTop,
      viewportPixels: this.viewport.clientHeight, rowPixels: this.rowPixels,
    });
    this.render(true);
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render(false);
    });
  }

  render(force) {
    const range = visibleRange({
      scrollPixels: this.viewport.scrollTop, viewportPixels: this.viewport.clientHeight || 600,
      rowPixels: this.rowPixels, count: this.items.length,
    });
    this.spacer.style.height = `${range.totalPixels}px`;
    if (!force && range.start === this.rendered.start && range.end === this.rendered.end) return;
    this.rendered = range;
    this.window.style.transform = `translateY(${range.offsetPixels}px)`;
    const shown = new Map();
    for (let index = range.start; index < range.end; index += 1) {
      const item = this.items[index];
      const key = this.rows.keyOf(item);
      const row = this.shown.get(key) ?? this.rows.renderRow(item);
      this.rows.placeRow(row, index);
      shown.set(key, row);
    }
    for (const [key, row] of this.shown) if (!shown.has(key)) row.remove();
    let next = this.window.firstChild; // kept rows stay put: no new layout
    for (const row of shown.values()) {
      if (row === next) next = next.nextSibling;
      else this.window.insertBefore(row, next);
    }
    this.shown = shown;
  }
}
