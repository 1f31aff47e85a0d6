import { closeSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { TufError } from './errors.js';

/**
 * Writes a file by rename so that a reader (the HTTP service, a client mid-update) sees either
 * the old or the new bytes, never a torn file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** A writer older than this is presumed dead and its lock is broken. */
const STALE_LOCK_MS = 10 * 60 * 1000;

/**
 * Runs `fn` holding `<dir>/.lock`, so that the service's re-signer and an operator's
 * `signet tuf add-target` never interleave their version bumps.
 * @throws TufError `ERR_TUF_LOCKED` when another writer holds a fresh lock.
 */
export function withLock<T>(dir: string, fn: () => T): T {
  const path = `${dir}/.lock`;
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
    let age = 0;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      age = Infinity;
    }
    if (age < STALE_LOCK_MS) {
      throw new TufError('ERR_TUF_LOCKED', `repository ${dir} is being written by another process (${path}); retry, or remove the file if no writer runs`, { cause });
    }
    rmSync(path, { force: true });
    fd = openSync(path, 'wx', 0o600);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return fn();
  } finally {
    rmSync(path, { force: true });
  }
}
