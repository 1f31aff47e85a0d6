import { closeSync, existsSync, fsync, openSync, readSync, writeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the log keeps each entry's `extra_data` (RFC 6962 §4.6: the chain of a certificate, or
 * the precertificate and its chain), keyed by the entry's leaf hash. The log engine stores only
 * Merkle leaves, and the chain is not part of the leaf. Records are written before the leaf is
 * appended, so every sequenced entry has its extra data (a crash may leave an unused record).
 */
export interface ExtraDataStore {
  /** Resolves once the record is durable. */
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

interface PendingPut {
  record: Buffer;
  key: string;
  length: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * An append-only file `<dir>/ct-extra-data.bin` of records `leafHash(32) || length(u32) || data`,
 * indexed in memory (hash → offset) when opened. Group commit: the puts that arrive while one
 * batch is being made durable form the next batch — one write and one fsync each, the fsync on
 * libuv's thread pool so that the event loop keeps serving requests meanwhile. A put resolves
 * only after its fsync; a torn final record (crash mid-write) is ignored on open and
 * overwritten.
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
  let queue: PendingPut[] = [];
  let scheduled = false;
  /** The batch being made durable, if any; the next batch waits for it. */
  let flushing: Promise<void> | undefined;
  let closed = false;

  const settle = (batch: PendingPut[], err: unknown): void => {
    if (err) {
      // Not durable: nothing is indexed and `end` stays, so the next batch overwrites the bytes.
      for (const b of batch) b.reject(err);
      return;
    }
    let pos = end;
    for (const b of batch) {
      index.set(b.key, { offset: pos + HEADER, length: b.length });
      pos += b.record.length;
    }
    end = pos;
    for (const b of batch) b.resolve();
  };

  const flush = (): void => {
    scheduled = false;
    if (flushing || queue.length === 0) return;
    const batch = queue;
    queue = [];
    let done!: () => void;
    flushing = new Promise<void>((resolve) => (done = resolve));
    const finish = (err: unknown): void => {
      settle(batch, err);
      flushing = undefined;
      done();
      if (queue.length > 0) schedule();
    };
    try {
      const buf = batch.length === 1 ? (batch[0] as PendingPut).record : Buffer.concat(batch.map((b) => b.record));
      let written = 0;
      // The write only reaches the page cache; the fsync is what takes time.
      while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written, end + written);
    } catch (err) {
      finish(err);
      return;
    }
    fsync(fd, (err) => finish(err));
  };

  const schedule = (): void => {
    if (scheduled || flushing) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    put(h, data) {
      if (closed) return Promise.reject(new Error('the extra-data store is closed'));
      return new Promise<void>((resolve, reject) => {
        const head = Buffer.alloc(HEADER);
        h.copy(head, 0, 0, 32);
        head.writeUInt32BE(data.length, 32);
        queue.push({ record: Buffer.concat([head, data]), key: h.toString('hex'), length: data.length, resolve, reject });
        schedule();
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
      if (closed) return;
      closed = true;
      while (flushing || queue.length > 0) {
        if (flushing) await flushing;
        else flush();
      }
      closeSync(fd);
    },
  };
}
