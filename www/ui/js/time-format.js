// Times as the UI shows and sends them. Server dates have nanoseconds
// (API.md, "Times"); a Date has milliseconds, so exact instants are BigInt
// nanoseconds and server dates go back to it unrounded.

const nanosPerMilli = 1_000_000n;
const nanosPerSecond = 1_000_000_000n;
const rfc3339Pattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** BigInt ns since the epoch of an RFC 3339 §5.6 date (offsets too), or null. */
export function parseInstant(text) {
  const match = rfc3339Pattern.exec(text ?? '');
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = '', zone] = match;
  const millis = Date.UTC(+year, +month - 1, +day, +hour, +minute, +second);
  if (Number.isNaN(millis)) return null;
  let offsetMinutes = 0;
  if (zone.length === 6) {
    const sign = zone[0] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const fractionNanos = BigInt(fraction.padEnd(9, '0'));
  return (BigInt(millis) - BigInt(offsetMinutes) * 60_000n) * nanosPerMilli + fractionNanos;
}

/** An instant (BigInt nanoseconds) as RFC 3339 UTC with 9 fraction digits. */
export function formatInstant(nanos) {
  const seconds = floorDivide(nanos, nanosPerSecond);
  const fraction = nanos - seconds * nanosPerSecond;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

/** The instant 1 ns before `text` (a server date): "just before the delete". */
export function instantBefore(text) {
  const nanos = parseInstant(text);
  if (nanos === null) throw new Error(`not an RFC 3339 date: ${text}`);
  return formatInstant(nanos - 1n);
}

/** Milliseconds since the epoch (a Number, rounded down) of a server date, or NaN. */
export function toMillis(text) {
  const nanos = parseInstant(text);
  return nanos === null ? NaN : Number(floorDivide(nanos, nanosPerMilli));
}

/** A millisecond time as an RFC 3339 date the API takes (`at=`). */
export function fromMillis(millis) {
  return formatInstant(BigInt(Math.floor(millis)) * nanosPerMilli);
}

/** Compares two server dates exactly: negative, zero or positive. */
export function compareInstants(left, right) {
  const difference = parseInstant(left) - parseInstant(right);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

const units = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** `then` relative to `now` (both ms) in words: "3 minutes ago", "in 2 days", "just now". */
export function describeAge(thenMillis, nowMillis) {
  const difference = nowMillis - thenMillis;
  const distance = Math.abs(difference);
  if (distance < 10_000) return 'just now';
  for (const [unit, size] of units) {
    if (distance < size) continue;
    const count = Math.floor(distance / size);
    const words = `${count} ${unit}${count === 1 ? '' : 's'}`;
    return difference > 0 ? `${words} ago` : `in ${words}`;
  }
  return 'just now';
}

/** A server date for people: `2026-11-22 10:00:00.123 UTC` (milliseconds kept). */
export function formatExact(text) {
  const nanos = parseInstant(text);
  if (nanos === null) return String(text);
  const full = formatInstant(nanos);
  return `${full.slice(0, 10)} ${full.slice(11, 23)} UTC`;
}

/** A byte count for people, in binary units: 0 B, 999 B, 1.5 KiB, 12 MiB. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const names = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let index = 0;
  while (value >= 1024 && index < names.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${names[index]}`;
}

function floorDivide(numerator, denominator) {
  const quotient = numerator / denominator;
  return numerator % denominator < 0n ? quotient - 1n : quotient;
}
