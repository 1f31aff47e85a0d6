import { BundleError } from './errors.js';

// RFC 3339 §5.6 date-time, as the proto3 JSON mapping of google.protobuf.Timestamp uses it:
// 0 to 9 fractional digits, "Z" or a numeric offset.
const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses a proto3-JSON Timestamp. Rejects impossible calendar dates, leap seconds (the
 * Timestamp type has none) and years outside 0001–9999 (the proto3 JSON range). Precision
 * below a millisecond is dropped: a `Date` holds milliseconds.
 * @throws BundleError `ERR_BUNDLE_TIMESTAMP`
 */
export function parseTimestamp(text: string, path: string): Date {
  const m = RFC3339_RE.exec(text);
  if (m === null) {
    throw new BundleError('ERR_BUNDLE_TIMESTAMP', path, 'not an RFC 3339 date-time');
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const fraction = m[7] ?? '';
  const ms = fraction === '' ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) throw new BundleError('ERR_BUNDLE_TIMESTAMP', path, 'offset out of range');
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  if (
    year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour > 23 || minute > 59 || second > 59
  ) {
    throw new BundleError('ERR_BUNDLE_TIMESTAMP', path, 'date or time field out of range');
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, ms);
  const y = date.getUTCFullYear();
  if (y < 1 || y > 9999) {
    throw new BundleError('ERR_BUNDLE_TIMESTAMP', path, 'outside 0001-01-01 to 9999-12-31 UTC');
  }
  return date;
}

/**
 * Formats a Date as the proto3 JSON mapping does: UTC, "Z", fraction only when non-zero.
 * @throws RangeError for an invalid Date or one outside years 0001–9999 (caller misuse).
 */
export function formatTimestamp(date: Date): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid Date');
  const y = date.getUTCFullYear();
  if (y < 1 || y > 9999) throw new RangeError('Date outside years 0001–9999');
  return date.toISOString().replace('.000Z', 'Z');
}
