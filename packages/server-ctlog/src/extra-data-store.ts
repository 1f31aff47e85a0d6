import { closeSync, existsSync, openSync, readSync, writeSync, fsyncSync, fstatSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the log keeps each entry's `extra_data` (RFC 6962 §4.6: the chain of a certificate, or
 * the precertificate and its chain), keyed by the entry's leaf hash. The log engine stores only
 * Merkle leaves, and the chain is not part of the leaf. Records are written before the leaf is
 * appended, so every sequenced entry has its extra data (a crash may leave an unused record).
 */
export interface ExtraDataStore {
  put(leafHash: Buffer, data: Buffer): Promise<void>;
  get(leafHash: Buffer): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** An in-memory store (tests, ephemeral logs). */
export function memoryExtraDataStore(): ExtraDataStore {
  const map = new Map<string, Buffer>();
  return {
    put: async (h, d) => void map.set(h.toString('hex'), d),
    get: async (h) => map.get(h.toString('hex')),
    close: async () => undefined,
  };
}

const HEADER = 32 + 4;

/**
 * An append-only file `<dir>/ct-extra-data.bin` of records `leafHash(32) || length(u32) || data`,
 * indexed in memory (hash → offset) when opened. Concurrent puts are coalesced into one write and
 * one fsync; a torn final record (crash mid-write) is ignored on open and overwritten.
 */
export function fileExtraDataStore(dir: string): ExtraDataStore {
  const path = join(dir, 'ct-extra-data.bin');
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w+', 0o600);
  const index = new Map<string, { offset: number; length: number }>();
  let end = 0;
  const size = fstatSync(fd).size;
  const header = Buffer.alloc(HEADER);
  while (end + HEADER <= size) {
    readSync(fd, header, 0, HEADER, end);
    const length = header.readUInt32BE(32);
    if (end + HEADER + length > size) break;
    index.set(header.subarray(0, 32).toString('hex'), { offset: end + HEADER, length });
    end += HEADER + length;
  }
  let queue: { record: Buffer; key: string; length: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    try {
      const buf = Buffer.concat(batch.map((b) => b.record));
      let written = 0;
      while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written, end + written);
      fsyncSync(fd);
      let pos = end;
      for (const b of batch) {
        index.set(b.key, { offset: pos + HEADER, length: b.length });
        pos += b.record.length;
      }
      end = pos;
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };
  return {
    put(h, data) {
      return new Promise<void>((resolve, reject) => {
        const head = Buffer.alloc(HEADER);
        h.copy(head, 0, 0, 32);
        head.writeUInt32BE(data.length, 32);
        queue.push({ record: Buffer.concat([head, data]), key: h.toString('hex'), length: data.length, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async get(h) {
      const at = index.get(h.toString('hex'));
      if (!at) return undefined;
      const out = Buffer.alloc(at.length);
      readSync(fd, out, 0, at.length, at.offset);
      return out;
    },
    async close() {
      if (queue.length > 0) flush();
      closeSync(fd);
    },
  };
}
