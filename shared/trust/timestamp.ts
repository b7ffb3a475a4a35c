/**
 * Check 3 of the protocol: the request time must be near server time, so a captured
 * request cannot be delayed and sent later. Parsing is strict RFC 3339 (no Date.parse
 * leniency: "2026-11-24 09:30" or "Tue, 24 Nov" must not pass).
 */
import { TrustRejection } from './errors.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Midnight UTC of a calendar day; unlike Date.UTC, years 0-99 are not moved to 19xx. */
function utcDate(year: number, monthIndex: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d;
}

/** The instant an RFC 3339 date-time names, or null when it is not one (a leap second, :60, is refused). */
export function parseRfc3339(text: string): Date | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = utcDate(year, month, 0).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  return new Date(
    utcDate(year, month - 1, day).getTime() +
      ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
      millis,
  );
}

/** The request time, when it lies within ±windowSeconds of `now`; else 401 stale_timestamp. */
export function checkTimestamp(timestamp: string, now: Date, windowSeconds: number): Date {
  const at = parseRfc3339(timestamp);
  if (!at) throw new TrustRejection('invalid_header', 'X-ResetReady-Timestamp is not an RFC 3339 date-time');
  const skewSeconds = (at.getTime() - now.getTime()) / 1000;
  if (Math.abs(skewSeconds) > windowSeconds) {
    throw new TrustRejection(
      'stale_timestamp',
      `X-ResetReady-Timestamp is ${Math.round(Math.abs(skewSeconds))} s ${skewSeconds < 0 ? 'behind' : 'ahead of'} server time (window ±${windowSeconds} s)`,
    );
  }
  return at;
}
