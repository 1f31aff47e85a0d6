import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { BundleError, type BundleErrorCode } from '@signet/bundle';
import { SignetError } from '@signet/core';

/** `shared/` sits beside the repository: dist-test/x.js → packages/bundle → packages → repo → its parent. */
export const SHARED = new URL('../../../../shared/', import.meta.url);
export const CONFORMANCE = new URL('conformance/bundle-verify/', SHARED);
export const PUBLIC_GOOD_ROOT = new URL('trust/public-good-trusted_root.json', SHARED);

/** Cases whose bundle must not parse (the others fail, if at all, only in verification). */
export const PARSE_FAIL_CASES = new Set(['bundle-malformed-json_fail', 'bundle-unknown-version_fail']);

/** Names of the conformance case folders holding a file `name`. */
export function casesWith(name: string): string[] {
  return readdirSync(CONFORMANCE)
    .filter((d) => existsSync(new URL(`${d}/${name}`, CONFORMANCE)))
    .sort();
}

export function readCase(dir: string, name = 'bundle.sigstore.json'): string {
  return readFileSync(new URL(`${dir}/${name}`, CONFORMANCE), 'utf8');
}

export type Json = { [key: string]: unknown };

/** A fresh, mutable copy of a conformance bundle's JSON. */
export function caseJson(dir: string, name?: string): Json {
  return JSON.parse(readCase(dir, name)) as Json;
}

function walk(obj: unknown, path: string): { parent: Record<string, unknown>; key: string } {
  const keys = path.split('.');
  let cur = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  return { parent: cur, key: keys[keys.length - 1]! };
}

/** Sets a dotted path (`a.b.0.c`) in place and returns the object. */
export function set(obj: Json, path: string, value: unknown): Json {
  const { parent, key } = walk(obj, path);
  parent[key] = value;
  return obj;
}

/** Deletes a dotted path in place and returns the object. */
export function del(obj: Json, path: string): Json {
  const { parent, key } = walk(obj, path);
  delete parent[key];
  return obj;
}

/** Reads a dotted path. */
export function get(obj: Json, path: string): unknown {
  const { parent, key } = walk(obj, path);
  return parent[key];
}

/** Asserts that `fn` throws a `BundleError` (a `SignetError`) with this code and JSON path. */
export function assertBundleError(fn: () => unknown, code: BundleErrorCode, path: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BundleError, `expected BundleError, got ${String(err)}`);
    assert.ok(err instanceof SignetError);
    assert.equal(err.code, code, err.message);
    assert.equal(err.path, path, err.message);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    return true;
  });
}

const INT64_KEYS = new Set(['logIndex', 'integratedTime', 'treeSize']);
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * proto3-JSON semantic normal form: drops default values (absent ≡ "" ≡ "0" ≡ [] ≡ {} for the
 * int64 and message fields the serializer omits) and spells timestamps one way.
 */
export function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v));
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalise(v, k);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === '' || value === null) return undefined;
  if (INT64_KEYS.has(key) && (value === '0' || value === 0)) return undefined;
  if (typeof value === 'number' && INT64_KEYS.has(key)) return String(value);
  if (typeof value === 'string' && TIMESTAMP_RE.test(value)) return new Date(value).toISOString();
  return value;
}
