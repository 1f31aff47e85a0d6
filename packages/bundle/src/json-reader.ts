import { decodeBase64Field } from './base64.js';
import { BundleError } from './errors.js';
import { BUNDLE_LIMITS } from './limits.js';
import { parseTimestamp } from './timestamp.js';

/**
 * Typed field readers over parsed JSON, each tracking the JSON path for its errors.
 *
 * Reading rules, from the proto3 JSON mapping: unknown fields are ignored; `null` means
 * "absent" for every field type; an absent scalar holds its default (0, "", empty bytes).
 * Only own properties are read (`Object.hasOwn`), so a `__proto__`, `constructor` or a
 * polluted `Object.prototype` can never stand in for a field; callers build fresh objects
 * field by field and never copy untrusted keys.
 */
export type JsonObject = { readonly [key: string]: unknown };

/** Path of a named member. */
export function at(path: string, key: string): string {
  return `${path}.${key}`;
}

/** Path of an array element. */
export function item(path: string, index: number): string {
  return `${path}[${index}]`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function wrongType(path: string, expected: string, value: unknown): BundleError {
  return new BundleError('ERR_BUNDLE_TYPE', path, `expected ${expected}, got ${typeName(value)}`);
}

function missing(path: string): BundleError {
  return new BundleError('ERR_BUNDLE_MISSING', path, 'required field is missing or empty');
}

/** The value of own property `key`, or `undefined` when absent or `null`. */
export function field(obj: JsonObject, key: string): unknown {
  if (!Object.hasOwn(obj, key)) return undefined;
  const value = obj[key];
  return value === null ? undefined : value;
}

/**
 * Checks that a value is a JSON object (not null, not an array).
 * @throws BundleError `ERR_BUNDLE_TYPE`
 */
export function asObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw wrongType(path, 'object', value);
  }
  return value as JsonObject;
}

/** An optional message field. */
export function readObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const value = field(obj, key);
  return value === undefined ? undefined : asObject(value, at(path, key));
}

/** A required message field. */
export function requireObject(obj: JsonObject, key: string, path: string): JsonObject {
  const value = readObject(obj, key, path);
  if (value === undefined) throw missing(at(path, key));
  return value;
}

/** An optional string field; "" (the proto3 default) reads as `undefined`. */
export function readString(
  obj: JsonObject, key: string, path: string, maxChars: number = BUNDLE_LIMITS.maxShortStringChars,
): string | undefined {
  const value = field(obj, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw wrongType(at(path, key), 'string', value);
  if (value.length > maxChars) {
    throw new BundleError('ERR_BUNDLE_LIMIT', at(path, key), `string exceeds ${maxChars} characters`);
  }
  return value === '' ? undefined : value;
}

/** A required, non-empty string field. */
export function requireString(
  obj: JsonObject, key: string, path: string, maxChars: number = BUNDLE_LIMITS.maxShortStringChars,
): string {
  const value = readString(obj, key, path, maxChars);
  if (value === undefined) throw missing(at(path, key));
  return value;
}

/** A repeated field: absent reads as `[]`; more than `max` elements is `ERR_BUNDLE_LIMIT`. */
export function readArray(obj: JsonObject, key: string, path: string, max: number): readonly unknown[] {
  const value = field(obj, key);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw wrongType(at(path, key), 'array', value);
  if (value.length > max) {
    throw new BundleError('ERR_BUNDLE_LIMIT', at(path, key), `more than ${max} elements`);
  }
  return value;
}

/** Decodes one base64 string element (of a repeated bytes field) at `path`. */
export function asBytes(value: unknown, path: string, maxBytes: number): Buffer {
  if (typeof value !== 'string') throw wrongType(path, 'base64 string', value);
  return decodeBase64Field(value, path, maxBytes);
}

/** An optional bytes field: absent reads as empty bytes. */
export function readBytes(obj: JsonObject, key: string, path: string, maxBytes: number): Buffer {
  const value = field(obj, key);
  if (value === undefined) return Buffer.alloc(0);
  return asBytes(value, at(path, key), maxBytes);
}

/** A required bytes field: absent or empty is `ERR_BUNDLE_MISSING`. */
export function requireBytes(obj: JsonObject, key: string, path: string, maxBytes: number): Buffer {
  const bytes = readBytes(obj, key, path, maxBytes);
  if (bytes.length === 0) throw missing(at(path, key));
  return bytes;
}

const DECIMAL_RE = /^(?:0|[1-9][0-9]*)$/;

/**
 * An unsigned integer field (proto `int64`/`uint64` as a decimal string, or `uint32` as a
 * number); both spellings are accepted for both, as proto3 JSON parsers do. Absent reads
 * as 0. Rejected: negatives, fractions, exponents, signs, leading zeros, values above `max`
 * (at most `Number.MAX_SAFE_INTEGER`, so every value is exact in a JS number).
 * @throws BundleError `ERR_BUNDLE_INTEGER`, `ERR_BUNDLE_TYPE`
 */
export function readUnsigned(
  obj: JsonObject, key: string, path: string, max: number = Number.MAX_SAFE_INTEGER,
): number {
  const value = field(obj, key);
  const p = at(path, key);
  let n: number;
  if (value === undefined) return 0;
  if (typeof value === 'string') {
    if (!DECIMAL_RE.test(value) || value.length > 16) {
      throw new BundleError('ERR_BUNDLE_INTEGER', p, 'not a canonical non-negative decimal integer');
    }
    n = Number(value);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw new BundleError('ERR_BUNDLE_INTEGER', p, 'not a non-negative integer');
    }
    n = value + 0; // normalises -0
  } else {
    throw wrongType(p, 'integer (decimal string or number)', value);
  }
  if (n > max) throw new BundleError('ERR_BUNDLE_INTEGER', p, `integer exceeds ${max}`);
  return n;
}

/** An optional Timestamp field. */
export function readTimestamp(obj: JsonObject, key: string, path: string): Date | undefined {
  const value = field(obj, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw wrongType(at(path, key), 'RFC 3339 string', value);
  return parseTimestamp(value, at(path, key));
}

/**
 * An enum field, by name only. Proto3 JSON parsers also accept enum numbers; no Sigstore
 * producer emits them, so a number is `ERR_BUNDLE_TYPE` here. A name not in `names` is
 * `ERR_BUNDLE_ENUM`; an absent field is `ERR_BUNDLE_MISSING` (the zero value of every
 * Sigstore enum is *_UNSPECIFIED, never a usable value).
 */
export function requireEnum<T extends string>(
  obj: JsonObject, key: string, path: string, names: readonly T[],
): T {
  const value = requireString(obj, key, path);
  if (!(names as readonly string[]).includes(value)) {
    throw new BundleError('ERR_BUNDLE_ENUM', at(path, key), `unsupported value ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * Which member of a oneof is set. Zero members (when `required`) or several are
 * `ERR_BUNDLE_ONEOF`; the error path names the containing message.
 */
export function readOneof<K extends string>(
  obj: JsonObject, keys: readonly K[], path: string, name: string, required: boolean,
): K | undefined {
  const present = keys.filter((k) => field(obj, k) !== undefined);
  if (present.length > 1) {
    throw new BundleError('ERR_BUNDLE_ONEOF', path, `oneof ${name} has several members set: ${present.join(', ')}`);
  }
  if (present.length === 0 && required) {
    throw new BundleError('ERR_BUNDLE_ONEOF', path, `oneof ${name} has no member set (one of ${keys.join(', ')})`);
  }
  return present[0];
}

/**
 * Turns a string, bytes or already-parsed value into the parsed JSON root. Strings and bytes
 * are size-checked before `JSON.parse`; bytes must be UTF-8.
 * @throws BundleError `ERR_BUNDLE_LIMIT`, `ERR_BUNDLE_JSON`, `ERR_BUNDLE_TYPE`
 */
export function parseRoot(input: unknown): JsonObject {
  let text: string | undefined;
  if (typeof input === 'string') {
    // Cheap checks first: a UTF-16 code unit takes 1 to 3 UTF-8 bytes, so the exact UTF-8 length
    // (a pass over the text) is needed only between those bounds.
    const max = BUNDLE_LIMITS.maxInputBytes;
    if (input.length > max || (input.length * 3 > max && Buffer.byteLength(input, 'utf8') > max)) {
      throw new BundleError('ERR_BUNDLE_LIMIT', '$', `input exceeds ${BUNDLE_LIMITS.maxInputBytes} bytes`);
    }
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.byteLength > BUNDLE_LIMITS.maxInputBytes) {
      throw new BundleError('ERR_BUNDLE_LIMIT', '$', `input exceeds ${BUNDLE_LIMITS.maxInputBytes} bytes`);
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (cause) {
      throw new BundleError('ERR_BUNDLE_JSON', '$', 'input is not valid UTF-8', { cause });
    }
  }
  if (text === undefined) return asObject(input, '$');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new BundleError('ERR_BUNDLE_JSON', '$', `invalid JSON: ${(cause as Error).message}`, { cause });
  }
  return asObject(parsed, '$');
}
