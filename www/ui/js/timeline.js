// The timeline: bars taller where more changed (/api/changes) and a
// slider handle. Moves call `onMove(at, {settled})`: `at` null is now; unsettled mid-drag.

import { allChanges } from './api.js';
import { h } from './dom.js';
import { compareInstants, describeAge, formatExact, fromMillis, toMillis } from './time-format.js';
import { densityBins, fractionOf, millisAt, stepDates, stepIndex } from './timeline-math.js';

/** The width of one density bar in CSS pixels. */
export const BAR_PIXELS = 3;

export class Timeline {
  constructor(onMove) {
    this.onMove = onMove;
    this.dates = []; // the exact server dates the keys step to, ascending
    this.millis = []; // every claim's date, for the marks
    this.at = null;
    this.canvas = h('canvas.density', { 'aria-hidden': 'true' });
    this.handle = h('div.handle', { 'aria-hidden': 'true' });
    this.track = h('div.track', { role: 'slider', tabIndex: 0, 'aria-label': 'Moment shown',
      'aria-keyshortcuts': 'ArrowLeft ArrowRight Home End', onkeydown: (event) => this.onKey(event),
      onpointerdown: (event) => this.onPointerDown(event) }, this.canvas, this.handle);
    this.words = h('strong.when-words', {}, 'now');
    this.exact = h('span.when-exact');
    this.element = h('section.timeline', { 'aria-label': 'Time travel' }, this.track,
      h('div.when', {}, this.words, ' ', this.exact));
    new ResizeObserver(() => this.draw()).observe(this.track);
  }

  /** Reads the changes again (after a change was made) and redraws. */
  async refresh(signal) {
    const changes = await allChanges(signal);
    this.millis = changes.map((change) => toMillis(change.date)); // every claim is a mark
    this.dates = stepDates(changes);
    this.draw();
  }

  /** The span shown: from a little before the first change to now. */
  span() {
    const end = Date.now();
    const first = this.millis.length ? this.millis[0] : end - 3_600_000;
    const margin = Math.max(1000, (end - first) * 0.02);
    return [first - margin, end];
  }

  /** Places the handle at `at` (null: now) without reporting it. */
  show(at) {
    this.at = at;
    const [start, end] = this.span();
    const millis = at ? toMillis(at) : end;
    this.handle.style.left = `${fractionOf(millis, start, end) * 100}%`;
    this.words.textContent = at ? describeAge(millis, Date.now()) : 'now';
    this.exact.textContent = at ? formatExact(at) : '';
    const aria = { min: start, max: end, now: millis };
    for (const [name, value] of Object.entries(aria)) {
      this.track.setAttribute(`aria-value${name}`, String(Math.round(value)));
    }
    this.track.setAttribute('aria-valuetext', at ? `${this.words.textContent}, ` +
      this.exact.textContent : 'now');
    this.element.classList.toggle('in-past', Boolean(at));
  }

  move(at, settled) {
    this.show(at);
    this.onMove(at, { settled });
  }

  draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = this.track.clientWidth;
    const height = this.track.clientHeight;
    if (width === 0) return;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const context = this.canvas.getContext('2d');
    context.scale(ratio, ratio);
    const [start, end] = this.span();
    const bins = densityBins(this.millis, start, end, Math.max(1, Math.floor(width / BAR_PIXELS)));
    const most = Math.max(1, ...bins);
    context.fillStyle = getComputedStyle(this.track).getPropertyValue('--mark').trim() || '#888';
    bins.forEach((count, index) => {
      if (count === 0) return;
      // sqrt: one change stays visible beside a burst of a thousand
      const barHeight = Math.max(3, Math.sqrt(count / most) * (height - 4));
      context.fillRect(index * BAR_PIXELS, height - barHeight, BAR_PIXELS - 1, barHeight);
    });
    this.show(this.at);
  }

  onPointerDown(event) {
    if (event.button !== 0) return;
    this.track.setPointerCapture(event.pointerId);
    const atPointer = (pointer) => {
      const box = this.track.getBoundingClientRect();
      const [start, end] = this.span();
      const fraction = (pointer.clientX - box.left) / box.width;
      const last = this.millis[this.millis.length - 1] ?? -Infinity;
      const millis = millisAt(fraction, start, end);
      return fraction >= 0.995 || millis >= end || (millis > last && fraction > 0.99) ? null :
        fromMillis(millis);
    };
    this.move(atPointer(event), false);
    const drag = new AbortController();
    const listen = (type, listener) => this.track.addEventListener(type, listener, drag);
    const onUp = (pointer) => {
      drag.abort(); // removes the three listeners
      this.move(atPointer(pointer), true);
    };
    listen('pointermove', (pointer) => this.move(atPointer(pointer), false));
    listen('pointerup', onUp);
    listen('pointercancel', onUp);
  }

  /** Steps to the previous (-1) or next (+1) change; past the last one is now. */
  // A date shows the tree just after that change, so the last change looks
  // like now: one step back from now goes to the change before it.
  step(direction) {
    let index = stepIndex(this.dates, this.at, direction, compareInstants);
    if (this.at === null && direction < 0) index = this.dates.length - 2;
    if (index < 0) {
      if (direction > 0 && this.at) this.move(null, true);
      return;
    }
    const isLast = index === this.dates.length - 1;
    this.move(isLast ? null : this.dates[index], true);
  }

  onKey(event) {
    const steps = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 };
    if (event.key in steps) this.step(steps[event.key]);
    else if (event.key === 'Home') this.move(this.dates[0] ?? null, true);
    else if (event.key === 'End') this.move(null, true);
    else return;
    event.preventDefault();
  }
}
