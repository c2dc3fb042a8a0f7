// The timeline's arithmetic: positions, density of changes, steps.

/** The fraction (0..1) of the span [startMillis, endMillis] at which `millis` sits. */
export function fractionOf(millis, startMillis, endMillis) {
  if (endMillis <= startMillis) return 1;
  return Math.min(1, Math.max(0, (millis - startMillis) / (endMillis - startMillis)));
}

/** The moment (ms) at fraction `fraction` of the span. */
export function millisAt(fraction, startMillis, endMillis) {
  const clamped = Math.min(1, Math.max(0, fraction));
  return startMillis + clamped * (endMillis - startMillis);
}

/** How many of `changeMillis` fall in each of `binCount` equal parts of [start, end]. */
export function densityBins(changeMillis, startMillis, endMillis, binCount) {
  const bins = new Array(binCount).fill(0);
  for (const millis of changeMillis) {
    if (millis < startMillis || millis > endMillis) continue;
    const index = Math.min(binCount - 1, Math.floor(fractionOf(millis, startMillis, endMillis) *
      binCount));
    bins[index] += 1;
  }
  return bins;
}

/**
 * The index in `sortedDates` of the latest date before `current` (direction
 * -1) or the earliest after it (+1), or -1; `current` null is now.
 */
export function stepIndex(sortedDates, current, direction, compare) {
  if (sortedDates.length === 0) return -1;
  if (current === null) return direction < 0 ? sortedDates.length - 1 : -1;
  let low = 0;
  let high = sortedDates.length; // first index with date > current
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compare(sortedDates[middle], current) <= 0) low = middle + 1;
    else high = middle;
  }
  if (direction > 0) return low < sortedDates.length ? low : -1;
  let index = low - 1; // last date <= current
  if (index >= 0 && compare(sortedDates[index], current) === 0) index -= 1;
  return index;
}

/** The dates keys step to: the last of each run of claims about one node (a put is two). */
export function stepDates(changes) {
  const dates = [];
  changes.forEach((change, index) => {
    const next = changes[index + 1];
    if (!next || next.node !== change.node) dates.push(change.date);
  });
  return dates;
}
