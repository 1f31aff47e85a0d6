import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { noteSignerFromPrivateKey, noteVerifierFromPublicKey, type NoteSigner, type NoteVerifier } from '@signet/merkle';

export const ORIGIN = 'log.test.example';

/** A fixed Ed25519 log key for a test file (generated once per process). */
const ed = generateKeyPairSync('ed25519');
export const signer: NoteSigner = noteSignerFromPrivateKey(ORIGIN, ed.privateKey);
export const verifier: NoteVerifier = noteVerifierFromPublicKey(ORIGIN, ed.publicKey);

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const ecdsaSigner: NoteSigner = noteSignerFromPrivateKey(ORIGIN, ec.privateKey);
export const ecdsaVerifier: NoteVerifier = noteVerifierFromPublicKey(ORIGIN, ec.publicKey);

/** A temporary directory removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'signet-log-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Leaf data of entry `i` in the tests' logs. */
export function leafOf(i: number, tag = 'e'): Buffer {
  return Buffer.from(`${tag}-${i}`);
}

/** Asserts that `fn` rejects (or throws) with an error of class `cls` and code `code`. */
export async function assertRejectsCode(fn: () => unknown, cls: abstract new (...args: never[]) => Error, code: string): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.equal((caught as { code?: string }).code, code);
  return caught;
}
