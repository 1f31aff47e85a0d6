import { CoreError } from './errors.js';

/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * ECMAScript number serialisation, and JSON.stringify string escaping (which matches JCS §3.2.2.2).
 * Used for Rekor SETs, whose payload is the canonical JSON of the entry.
 * @throws CoreError `ERR_CORE_JSON` for values JSON cannot represent (NaN, Infinity, undefined, functions, bigint).
 */
export function canonicalizeJSON(value: unknown): string {
  return write(value, 0);
}

function write(value: unknown, depth: number): string {
  if (depth > 128) throw new CoreError('ERR_CORE_JSON', 'JSON nesting too deep');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CoreError('ERR_CORE_JSON', 'non-finite number in canonical JSON');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => write(v, depth + 1)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], depth + 1)}`).join(',')}}`;
    }
    default:
      throw new CoreError('ERR_CORE_JSON', `cannot canonicalize a ${typeof value}`);
  }
}
