// A shortest line diff: Myers, "An O(ND) Difference Algorithm and Its
// Variations" (1986), §2's greedy search, its trace kept for the walk back.

/** The most edits searched for; past it the diff is "everything changed". */
export const DIFF_EDITS_MAX = 4000;

/**
 * The operations from `before` to `after`: `{type: 'same'|'removed'|'added',
 * text, oldLine, newLine}`, lines numbered from 1 (null where absent).
 */
export function diffLines(before, after, editsMax = DIFF_EDITS_MAX) {
  const oldLines = splitLines(before);
  const newLines = splitLines(after);
  const trace = searchEdits(oldLines, newLines, editsMax);
  if (trace === null) return replaceAll(oldLines, newLines);
  return walkBack(trace, oldLines, newLines);
}

/** Text's lines without `\n` (a final newline adds no line). */
export function splitLines(text) {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Counts of each operation type: `{added, removed, same}`. */
export function summarize(operations) {
  const counts = { added: 0, removed: 0, same: 0 };
  for (const operation of operations) counts[operation.type] += 1;
  return counts;
}

// Myers §2: V[k] is the furthest x reached on diagonal k = x - y with d
// edits. Returns a copy of V before each round d (the trace), or null
// when more than `editsMax` edits are needed.
function searchEdits(oldLines, newLines, editsMax) {
  const oldCount = oldLines.length;
  const newCount = newLines.length;
  const limit = Math.min(oldCount + newCount, editsMax);
  const offset = limit + 1;
  const furthest = new Int32Array(2 * offset + 1);
  const trace = [];
  for (let edits = 0; edits <= limit; edits += 1) {
    trace.push(furthest.slice());
    for (let diagonal = -edits; diagonal <= edits; diagonal += 2) {
      const goDown = diagonal === -edits ||
        (diagonal !== edits && furthest[offset + diagonal - 1] < furthest[offset + diagonal + 1]);
      let x = goDown ? furthest[offset + diagonal + 1] : furthest[offset + diagonal - 1] + 1;
      let y = x - diagonal;
      while (x < oldCount && y < newCount && oldLines[x] === newLines[y]) {
        x += 1;
        y += 1;
      }
      furthest[offset + diagonal] = x;
      if (x >= oldCount && y >= newCount) return { trace, offset };
    }
  }
  return null;
}

function walkBack({ trace, offset }, oldLines, newLines) {
  const operations = [];
  let x = oldLines.length;
  let y = newLines.length;
  for (let edits = trace.length - 1; edits >= 0; edits -= 1) {
    const furthest = trace[edits];
    const diagonal = x - y;
    const wentDown = diagonal === -edits ||
      (diagonal !== edits && furthest[offset + diagonal - 1] < furthest[offset + diagonal + 1]);
    const previousDiagonal = wentDown ? diagonal + 1 : diagonal - 1;
    const previousX = edits === 0 ? 0 : furthest[offset + previousDiagonal];
    const previousY = edits === 0 ? 0 : previousX - previousDiagonal;
    while (x > previousX && y > previousY) {
      x -= 1;
      y -= 1;
      operations.push({ type: 'same', text: oldLines[x], oldLine: x + 1, newLine: y + 1 });
    }
    if (edits === 0) break;
    if (wentDown) {
      y -= 1;
      operations.push({ type: 'added', text: newLines[y], oldLine: null, newLine: y + 1 });
    } else {
      x -= 1;
      operations.push({ type: 'removed', text: oldLines[x], oldLine: x + 1, newLine: null });
    }
  }
  return operations.reverse();
}

function replaceAll(oldLines, newLines) {
  return [
    ...oldLines.map((text, index) => ({ type: 'removed', text, oldLine: index + 1, newLine: null })),
    ...newLines.map((text, index) => ({ type: 'added', text, oldLine: null, newLine: index + 1 })),
  ];
}
