import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CoreError } from './errors.js';
import type { HashName } from './keys.js';

/** Read size for file hashing: large reads keep SHA-256 near its in-memory speed (64 KiB reads reach ~20%). */
const CHUNK = 4 * 1024 * 1024;

/** SHA-2 digest of bytes in memory. */
export function digest(hash: HashName, data: Uint8Array): Buffer {
  // One-shot `crypto.hash` skips the Hash object, most of the cost for small inputs (keys, log
  // entries); Node documents it for inputs up to a few MiB.
  return data.length <= ONE_SHOT_MAX ? pooledDigest(hash, data) : createHash(hash).update(data).digest();
}

/**
 * A one-shot digest as a Buffer from Node's shared pool. `crypto.hash(…, 'buffer')` gives every
 * digest an ArrayBuffer of its own, and small ArrayBuffers cost more than the hash (each has a
 * backing store that V8's sweeper threads track): ~1.8 µs of CPU per SHA-256 of a node, against
 * ~0.8 µs through the 'binary' (latin1) string, one char per byte, copied into the pool. The log
 * hashes several per entry. The result is a view on the pool: copy it before transferring its
 * `.buffer` to another thread. A string is hashed as UTF-8.
 */
export function pooledDigest(hash: HashName, data: Uint8Array | string): Buffer {
  return Buffer.from(oneShotHash(hash, data, 'binary'), 'binary');
}

/** Largest input hashed with the one-shot `crypto.hash`. */
const ONE_SHOT_MAX = 1024 * 1024;

/** SHA-256 of bytes in memory. */
export function sha256(data: Uint8Array): Buffer {
  return digest('sha256', data);
}

/**
 * Hashes a file with bounded memory: one reused 4 MiB buffer, whatever the file's size.
 * Several hashes can be computed in the same pass.
 * @throws CoreError `ERR_CORE_IO` when the file cannot be read
 */
export async function digestFile<H extends HashName>(path: string, hashes: readonly H[] = ['sha256' as H]): Promise<Record<H, Buffer>> {
  const hs: [H, Hash][] = hashes.map((h) => [h, createHash(h)]);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (cause) {
    throw new CoreError('ERR_CORE_IO', `cannot open ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
  try {
    const stat = await fh.stat();
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, stat.size || CHUNK)));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      for (const [, h] of hs) h.update(chunk);
    }
  } catch (cause) {
    throw new CoreError('ERR_CORE_IO', `cannot read ${path}`, { cause });
  } finally {
    await fh.close();
  }
  const out = {} as Record<H, Buffer>;
  for (const [name, h] of hs) out[name] = h.digest();
  return out;
}
