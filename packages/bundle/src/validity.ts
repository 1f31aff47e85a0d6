import { BundleError, type BundleErrorCode } from './errors.js';
import { at, readObject, readTimestamp, type JsonObject } from './json-reader.js';
import { formatTimestamp } from './timestamp.js';

/**
 * A validity window (protobuf-specs `TimeRange`), inclusive of both ends. `start` is mandatory
 * in Signet: trust material whose window has no start is malformed (DESIGN.md, step 2), even
 * though the proto marks it optional. No `end` means "still valid".
 */
export interface ValidityPeriod {
  start: Date;
  end?: Date;
}

/** The proto3 JSON form of a `TimeRange`. */
export interface ValidityPeriodJSON {
  start: string;
  end?: string;
}

/**
 * Reads a `TimeRange` that must exist and have a `start`, with `end` not before `start`.
 * @throws BundleError `code` for those three failures; `ERR_BUNDLE_TIMESTAMP`, `ERR_BUNDLE_TYPE`
 */
export function requireValidity(
  obj: JsonObject, key: string, path: string, code: BundleErrorCode,
): ValidityPeriod {
  const p = at(path, key);
  const range = readObject(obj, key, path);
  if (range === undefined) throw new BundleError(code, p, 'validity window is missing');
  const start = readTimestamp(range, 'start', p);
  if (start === undefined) throw new BundleError(code, at(p, 'start'), 'validity window has no start');
  const end = readTimestamp(range, 'end', p);
  if (end === undefined) return { start };
  if (end.getTime() < start.getTime()) {
    throw new BundleError(code, at(p, 'end'), 'validity window ends before it starts');
  }
  return { start, end };
}

/** Serializes a validity window. */
export function serializeValidity(v: ValidityPeriod): ValidityPeriodJSON {
  const out: ValidityPeriodJSON = { start: formatTimestamp(v.start) };
  if (v.end !== undefined) out.end = formatTimestamp(v.end);
  return out;
}
