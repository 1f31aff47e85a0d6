// In-memory Bloom filters over the identities the SQLite driver has stored, so that a new
// entry — almost every append — is known to be new without a B-tree lookup in log-index.sqlite.
// That lookup cost the engine thread ~10 µs an entry at 1M entries under load: each index merge
// (about one a second) resets the engine connection's page cache, so most lookups read a page.
// A "maybe" answer (a stored identity, or a false positive) still goes to the index, so the
// filter only ever saves work; it never decides that an identity is stored.

/** Bits per identity at the design capacity: ~0.8% false positives with 7 probes. */
const BITS_PER_ITEM = 10;
const PROBES = 7;
/** Smallest sub-filter (identities); later ones double. */
const MIN_CAPACITY = 4096;

/** One fixed-size Bloom filter; `count` may exceed `capacity` (then more false positives). */
class Bits {
  readonly words: Int32Array;
  readonly mask: number;

  constructor(
    readonly capacity: number,
    public count = 0,
    words?: Int32Array,
  ) {
    // A power of two of bits, so that a probe is a mask, not a division.
    let bits = 32;
    while (bits < capacity * BITS_PER_ITEM) bits *= 2;
    if (words !== undefined && words.length !== bits / 32) throw new RangeError(`a filter of capacity ${capacity} has ${bits / 32} words, not ${words.length}`);
    this.words = words ?? new Int32Array(bits / 32);
    this.mask = bits - 1;
  }
}

/** A filter as it crosses threads (its words' buffers go in the transfer list). */
export type FilterParts = { capacity: number; count: number; words: Int32Array }[];

/**
 * Two 32-bit hashes of `id`: every byte mixed in (identities are usually SHA-256 values, but the
 * log takes any bytes). Not cryptographic, and need not be: a weak hash only costs lookups.
 */
function hashPair(id: Uint8Array, out: Int32Array): void {
  let h1 = 0x9e3779b9 ^ id.length;
  let h2 = 0x85ebca6b ^ Math.imul(id.length, 0xc2b2ae35);
  const n = id.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = id[i]! | (id[i + 1]! << 8) | (id[i + 2]! << 16) | (id[i + 3]! << 24);
    h1 = Math.imul(h1 ^ w, 0x5bd1e995);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 + w, 0x27d4eb2f);
    h2 ^= h2 >>> 13;
  }
  for (; i < n; i++) {
    h1 = Math.imul(h1 ^ id[i]!, 0x5bd1e995);
    h2 = Math.imul(h2 + id[i]!, 0x27d4eb2f);
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  out[0] = h1;
  out[1] = h2 | 1; // odd: the probe sequence visits distinct bits
}

/**
 * A scalable Bloom filter of identities: `add` every stored identity, and `mayContain` is false
 * only for an identity never added. It grows by adding a sub-filter of twice the last one's
 * capacity when that one is full, so it never rehashes what it holds; a query probes each
 * sub-filter (a handful: a filter of the index is sized for it from the start).
 */
export class IdentityFilter {
  readonly #filters: Bits[] = [];
  readonly #h = new Int32Array(2);

  /** `expected`: identities about to be added at once. */
  constructor(expected = 0) {
    this.#filters.push(new Bits(Math.max(MIN_CAPACITY, expected)));
  }

  /** The filter {@link parts} took apart (on another thread). */
  static fromParts(parts: FilterParts): IdentityFilter {
    if (parts.length === 0) throw new RangeError('a filter has at least one part');
    const f = new IdentityFilter();
    f.#filters.length = 0;
    for (const p of parts) f.#filters.push(new Bits(p.capacity, p.count, p.words));
    return f;
  }

  /** This filter's state for {@link fromParts}; this filter must not be used afterwards (its words may be transferred). */
  parts(): FilterParts {
    return this.#filters.map((f) => ({ capacity: f.capacity, count: f.count, words: f.words }));
  }

  add(id: Uint8Array): void {
    let f = this.#filters[this.#filters.length - 1]!;
    if (f.count >= f.capacity) this.#filters.push((f = new Bits(f.capacity * 2)));
    hashPair(id, this.#h);
    const w = f.words;
    const m = f.mask;
    let p = this.#h[0]!;
    const step = this.#h[1]!;
    for (let k = 0; k < PROBES; k++, p = (p + step) | 0) {
      const bit = p & m;
      w[bit >>> 5]! |= 1 << (bit & 31);
    }
    f.count++;
  }

  /** False: `id` was never added. True: it may have been. */
  mayContain(id: Uint8Array): boolean {
    hashPair(id, this.#h);
    const h1 = this.#h[0]!;
    const step = this.#h[1]!;
    next: for (const f of this.#filters) {
      const w = f.words;
      const m = f.mask;
      let p = h1;
      for (let k = 0; k < PROBES; k++, p = (p + step) | 0) {
        const bit = p & m;
        if ((w[bit >>> 5]! & (1 << (bit & 31))) === 0) continue next;
      }
      return true;
    }
    return false;
  }
}
