// Times shown and sent. Server dates have nanoseconds (API.md, "Times"),
// so exact instants are BigInt nanoseconds and go back unrounded.

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
  const offsetMinutes = zone.length === 6 ? // ±hh:mm
    (zone[0] === '-' ? -1 : 1) * (zone.slice(1, 3) * 60 + Number(zone.slice(4, 6))) : 0;
  return (BigInt(millis) - BigInt(offsetMinutes) * 60_000n) * nanosPerMilli +
    BigInt(fraction.padEnd(9, '0'));
}

/** An instant (BigInt nanoseconds) as RFC 3339 UTC with 9 fraction digits. */
export function formatInstant(nanos) {
  const seconds = floorDivide(nanos, nanosPerSecond);
  const fraction = nanos - seconds * nanosPerSecond;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

/** The instant 1 ns before the server date `text`. */
export function instantBefore(text) {
  const nanos = parseInstant(text);
  if (nanos === null) throw new Error(`not an RFC 3339 date: ${text}`);
  return formatInstant(nanos - 1n);
}

/** A server date in ms since the epoch (rounded down), or NaN. */
export function toMillis(text) {
  const nanos = parseInstant(text);
  return nanos === null ? NaN : Number(floorDivide(nanos, nanosPerMilli));
}

/** A time in ms as an RFC 3339 date (for `at=`). */
export function fromMillis(millis) {
  return formatInstant(BigInt(Math.floor(millis)) * nanosPerMilli);
}

/** Compares two server dates exactly: negative, zero or positive. */
export function compareInstants(left, right) {
  const difference = parseInstant(left) - parseInstant(right);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

const dayMillis = 86_400_000;
const units = [['year', 365 * dayMillis], ['month', 30 * dayMillis], ['week', 7 * dayMillis],
  ['day', dayMillis], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000]];

/** `then` from `now` (ms) in words: "3 minutes ago", "in 2 days", "just now". */
export function describeAge(thenMillis, nowMillis) {
  const difference = nowMillis - thenMillis;
  const distance = Math.abs(difference);
  const [unit, size] = units.find(([, millis]) => distance >= millis) ?? [];
  if (distance < 10_000 || !unit) return 'just now';
  const count = Math.floor(distance / size);
  const words = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return difference > 0 ? `${words} ago` : `in ${words}`;
}

/** A server date for people: `2026-11-22 10:00:00.123 UTC`. */
export function formatExact(text) {
  const nanos = parseInstant(text);
  if (nanos === null) return String(text);
  const full = formatInstant(nanos);
  return `${full.slice(0, 10)} ${full.slice(11, 23)} UTC`;
}

/** A byte count for people: 999 B, 1.5 KiB, 12 MiB. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const index = Math.min(4, Math.floor(Math.log2(bytes) / 10));
  const value = bytes / 1024 ** index;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${'KMGT'[index - 1]}iB`;
}

function floorDivide(numerator, denominator) {
  const quotient = numerator / denominator;
  return numerator % denominator < 0n ? quotient - 1n : quotient;
}
