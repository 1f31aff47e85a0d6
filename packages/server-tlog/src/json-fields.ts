import sjson from 'secure-json-parse';
import { TLogServerError } from './errors.js';

/** A JSON object from a request, read field by field with the path of each fault. */
export type JsonObject = Record<string, unknown>;

/**
 * A request body as JSON: UTF-8, one value, and no `__proto__` or `constructor.prototype` key
 * anywhere (prototype poisoning), as the HTTP layer's own parser checks on other routes.
 * @throws TLogServerError `ERR_TLOG_JSON`
 */
export function parseJsonBody(body: Uint8Array): unknown {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.trim() === '') throw new TLogServerError('ERR_TLOG_JSON', 'request body is not valid JSON: the body is empty');
  try {
    return sjson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new TLogServerError('ERR_TLOG_JSON', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function requestError(message: string): TLogServerError {
  return new TLogServerError('ERR_TLOG_REQUEST', message);
}

/**
 * The object at `path`; with `allowed`, any other key is refused (the schemas of Rekor's entry
 * kinds forbid additional properties, and a field we would silently drop is a field a client
 * thinks was logged).
 */
export function object(v: unknown, path: string, allowed?: readonly string[]): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw requestError(`${path} must be an object`);
  const o = v as JsonObject;
  if (allowed) {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw requestError(`${path} has an unknown field ${JSON.stringify(k)}`);
    }
  }
  return o;
}

export function string(o: JsonObject, key: string, path: string, maxLength = 1 << 20): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw requestError(`${path}.${key} must be a non-empty string`);
  if (v.length > maxLength) throw requestError(`${path}.${key} is longer than ${maxLength} characters`);
  return v;
}

export function optionalString(o: JsonObject, key: string, path: string, maxLength = 1 << 20): string | undefined {
  return o[key] === undefined ? undefined : string(o, key, path, maxLength);
}

export function array(o: JsonObject, key: string, path: string, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0) throw requestError(`${path}.${key} must be a non-empty array`);
  if (v.length > max) throw requestError(`${path}.${key} has more than ${max} items`);
  return v;
}

/** Strict, padded, standard base64 (RFC 4648 §4), as Rekor v1's `strfmt.Base64` fields carry. */
export function base64(o: JsonObject, key: string, path: string, maxLength = 1 << 20): Buffer {
  return base64Text(string(o, key, path, maxLength), `${path}.${key}`);
}

/** `base64` for a string already read: `where` names the field in the error. */
export function base64Text(text: string, where: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw requestError(`${where} is not canonical, padded standard base64`);
  return bytes;
}

/**
 * proto3 JSON `bytes`: standard or URL-safe base64, padded or not (protojson accepts all four;
 * the log re-encodes canonically before anything is stored).
 */
export function protoBytes(o: JsonObject, key: string, path: string, maxLength = 1 << 20): Buffer {
  const text = string(o, key, path, maxLength);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || /[+/]/.test(text) && /[_-]/.test(text) || text.length % 4 === 1) {
    throw requestError(`${path}.${key} is not base64`);
  }
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const canonical = bytes.toString('base64');
  if (canonical.replace(/=+$/, '') !== text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')) {
    throw requestError(`${path}.${key} is not canonical base64`);
  }
  return bytes;
}

export function hexDigest(o: JsonObject, key: string, path: string, bytes: number): Buffer {
  const text = string(o, key, path, 256);
  if (text.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(text)) throw requestError(`${path}.${key} must be ${bytes * 2} hexadecimal digits`);
  return Buffer.from(text, 'hex');
}
