// A line diff as one column, each line with its old number, new number or both.

import { diffLines, summarize } from './diff.js';
import { h } from './dom.js';

/** The diff of two texts as an element, with a one-line summary above it. */
export function diffView(before, after) {
  const operations = diffLines(before, after);
  const counts = summarize(operations);
  const mark = { same: ' ', removed: '−', added: '+' };
  return h('div.diff', {},
    h('p.diff-summary', {}, `${counts.added} added, ${counts.removed} removed, `,
      `${counts.same} unchanged lines`),
    h('table.diff-lines', {},
      h('tbody', {}, operations.map((operation) =>
        h(`tr.diff-${operation.type}`, {},
          h('td.diff-number', {}, operation.oldLine ?? ''),
          h('td.diff-number', {}, operation.newLine ?? ''),
          h('td.diff-mark', { 'aria-label': operation.type }, mark[operation.type]),
          h('td.diff-text', {}, h('code', {}, operation.text)))))));
}
