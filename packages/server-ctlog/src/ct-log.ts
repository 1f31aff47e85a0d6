import { createHash, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { describeKey, encodeUint16, encodeVector24, parseCertificate, signMessage, isIssuedBy, type Certificate } from '@signet/core';
import { noteSignerFromPrivateKey } from '@signet/merkle';
import { openLog, type LogOptions, type TransparencyLog } from '@signet/log';
import { CTLogError } from './errors.js';
import { fileExtraDataStore, memoryExtraDataStore, type ExtraDataStore } from './extra-data-store.js';
import {
  CT_POISON_EXTENSION_DER, CT_POISON_OID, LogEntryType, decodeMerkleTreeLeaf, encodeCertificateChain, encodeDigitallySigned,
  encodeMerkleTreeLeaf, encodeSCT, leafHash, removeExtension, sctSignatureInput, splitExtension, tbsOfCertificate,
  treeHeadSignatureInput, type SignedEntry,
} from './rfc6962.js';

/** Most certificates accepted in one submitted chain. */
export const MAX_CHAIN_LENGTH = 10;
/** Most entries returned by one `getEntries` call. */
export const MAX_GET_ENTRIES = 256;
/** RFC 6962 §3.1: the EKU of a Precertificate Signing Certificate (not supported by this log). */
const PRECERT_SIGNING_EKU = '1.3.6.1.4.1.11129.2.4.4';

/** A signed certificate timestamp as the log issued it (RFC 6962 §3.2). */
export interface SignedCertificateTimestamp {
  /** The serialized SCT (what a certificate embeds in its SCT list). */
  readonly sct: Buffer;
  /** SHA-256 of the log's SubjectPublicKeyInfo. */
  readonly logId: Buffer;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** DigitallySigned (hash, signature algorithm, signature), as `add-chain` returns it. */
  readonly signature: Buffer;
  /** Index of the entry in the log. */
  readonly index: number;
}

/** A signed tree head (RFC 6962 §3.5). */
export interface SignedTreeHead {
  readonly treeSize: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly rootHash: Buffer;
  /** DigitallySigned TreeHeadSignature. */
  readonly treeHeadSignature: Buffer;
}

/** One log entry as `get-entries` returns it. */
export interface CTLogEntry {
  /** MerkleTreeLeaf bytes. */
  readonly leafInput: Buffer;
  /** certificate_chain (x509 entries) or PrecertChainEntry (precert entries). */
  readonly extraData: Buffer;
}

/**
 * `add-pre-chain` for a CA in the same process as the log, bound to that CA's issuer chain
 * (see {@link CTLog.issuerSubmitter}).
 */
export interface PrecertificateSubmitter {
  /**
   * Logs a precertificate issued by the bound issuer; `chain` is the precertificate followed by
   * exactly the bound issuer chain.
   * @throws CTLogError `ERR_CT_CHAIN` (another chain), `ERR_CT_CERTIFICATE`, `ERR_CT_PRECERT`, `ERR_CT_UNAVAILABLE`
   */
  addPreChain(chain: readonly Uint8Array[]): Promise<SignedCertificateTimestamp>;
}

/** How to assemble a CT log from an open log engine. */
export interface CTLogOptions {
  /** The log engine holding the Merkle leaves; the CT log closes it. */
  log: TransparencyLog;
  /** The CT log key: ECDSA P-256 (RFC 6962 §2.1.4). */
  privateKey: KeyObject;
  /** DER of the root certificates whose chains the log accepts. At least one. */
  roots: readonly Uint8Array[];
  /** Where chains are kept; default in memory. */
  extraData?: ExtraDataStore;
  /** Time source for SCT timestamps; default `() => new Date()`. */
  clock?: () => Date;
}

/** How to open a CT log with its own storage. */
export interface OpenCTLogOptions extends Omit<CTLogOptions, 'log' | 'extraData'> {
  /** Directory of the log's SQLite store and extra-data file. */
  dataDir: string;
  /** Checkpoint origin of the underlying log engine. Default `signet-ctlog`. */
  origin?: string;
  /** Further engine options (batching, checkpoint interval). */
  logOptions?: Partial<Omit<LogOptions, 'dataDir' | 'driver' | 'origin' | 'signers' | 'clock'>>;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function parseChainCertificate(der: Uint8Array, i: number): Certificate {
  try {
    return parseCertificate(der);
  } catch (cause) {
    throw new CTLogError('ERR_CT_CERTIFICATE', `chain[${i}] is not a certificate`, { cause });
  }
}

/**
 * An RFC 6962 certificate transparency log on the Signet log engine. Each accepted submission
 * becomes one MerkleTreeLeaf; the SCT is a promise of inclusion signed as soon as the leaf is
 * durably sequenced; tree heads are the engine's published checkpoints, re-signed in RFC 6962
 * form with the same key.
 */
export class CTLog {
  /** SHA-256 of the log key's SubjectPublicKeyInfo (RFC 6962 §3.2). */
  readonly logId: Buffer;
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo of the log key. */
  readonly spki: Buffer;
  private readonly log: TransparencyLog;
  private readonly key: KeyObject;
  private readonly roots: readonly Certificate[];
  private readonly rootsByHash: ReadonlyMap<string, Certificate>;
  private readonly store: ExtraDataStore;
  private readonly clock: () => Date;
  /** Issuer certificates already checked to chain to a root, by SHA-256 of their DER. */
  private readonly trustedIssuers = new Map<string, { cert: Certificate; chain: Buffer[] }>();
  private sthCache: SignedTreeHead | undefined;
  private closed = false;

  constructor(options: CTLogOptions) {
    let algorithm: string;
    try {
      algorithm = describeKey(options.privateKey).algorithm;
    } catch (cause) {
      throw new CTLogError('ERR_CT_KEY', 'the CT log key must be ECDSA P-256', { cause });
    }
    if (algorithm !== 'ecdsa-p256' || options.privateKey.type !== 'private') throw new CTLogError('ERR_CT_KEY', 'the CT log key must be an ECDSA P-256 private key');
    if (options.roots.length === 0) throw new TypeError('a CT log needs at least one accepted root');
    this.log = options.log;
    this.key = options.privateKey;
    this.publicKey = createPublicKey(options.privateKey);
    this.spki = this.publicKey.export({ format: 'der', type: 'spki' });
    this.logId = sha256(this.spki);
    this.roots = options.roots.map((r) => parseCertificate(r));
    this.rootsByHash = new Map(this.roots.map((r) => [sha256(r.der).toString('hex'), r]));
    this.store = options.extraData ?? memoryExtraDataStore();
    this.clock = options.clock ?? (() => new Date());
  }

  /** Accepted roots, DER. */
  getRoots(): Buffer[] {
    return this.roots.map((r) => r.der);
  }

  /**
   * `add-chain` (RFC 6962 §4.1): logs a final certificate whose chain ends at an accepted root.
   * @throws CTLogError `ERR_CT_CERTIFICATE`, `ERR_CT_CHAIN`, `ERR_CT_PRECERT` (a precertificate), `ERR_CT_UNAVAILABLE`
   */
  async addChain(chain: readonly Uint8Array[]): Promise<SignedCertificateTimestamp> {
    const { leaf, rest } = this.checkChain(chain);
    if (leaf.extension(CT_POISON_OID)) throw new CTLogError('ERR_CT_PRECERT', 'add-chain was given a precertificate; use add-pre-chain');
    const entry: SignedEntry = { type: LogEntryType.x509, certificate: leaf.der };
    return this.submit(entry, encodeCertificateChain(rest));
  }

  /**
   * `add-pre-chain` (RFC 6962 §4.2): logs a precertificate (critical poison extension) issued
   * directly by the next certificate in the chain; the SCT covers its TBS without the poison,
   * bound to the issuer's key.
   * @throws CTLogError `ERR_CT_CERTIFICATE`, `ERR_CT_CHAIN`, `ERR_CT_PRECERT`, `ERR_CT_UNAVAILABLE`
   */
  async addPreChain(chain: readonly Uint8Array[]): Promise<SignedCertificateTimestamp> {
    const { leaf, issuer, rest } = this.checkChain(chain);
    const poison = leaf.extension(CT_POISON_OID);
    if (!poison) throw new CTLogError('ERR_CT_PRECERT', 'add-pre-chain needs a precertificate (CT poison extension)');
    if (!poison.critical || !poison.value.equals(Buffer.of(0x05, 0x00))) throw new CTLogError('ERR_CT_PRECERT', 'the CT poison extension must be critical and NULL');
    if (issuer.extKeyUsage.includes(PRECERT_SIGNING_EKU)) throw new CTLogError('ERR_CT_PRECERT', 'precertificate signing certificates are not supported');
    let tbs: Buffer | undefined;
    try {
      tbs = removeExtension(leaf.tbs, CT_POISON_OID);
    } catch (cause) {
      throw new CTLogError('ERR_CT_CERTIFICATE', 'malformed precertificate TBSCertificate', { cause });
    }
    if (!tbs) throw new CTLogError('ERR_CT_PRECERT', 'precertificate without a poison extension');
    const entry: SignedEntry = { type: LogEntryType.precert, issuerKeyHash: sha256(issuer.spki), tbsCertificate: tbs };
    // PrecertChainEntry (§4.6): the precertificate, then its chain.
    return this.submit(entry, Buffer.concat([encodeVector24(leaf.der), encodeCertificateChain(rest)]));
  }

  /**
   * The in-process path of the CA server, never reachable over HTTP. `issuerChain` (issuing
   * certificate first, up to and possibly including the root) is checked here once, as
   * `add-pre-chain` checks every chain: each certificate issued by the next, the last an
   * accepted root or issued by one, and the issuer not a Precertificate Signing Certificate
   * (§3.1). Each precertificate then submitted with exactly this chain is taken apart by the log
   * itself — its TBSCertificate must carry the critical NULL poison exactly once, and the SCT
   * covers the TBS the log derives without it — but the signature the CA made over it
   * microseconds earlier with the bound issuer's key is not verified again (that costs as much
   * as making it). Untrusted submitters use {@link addPreChain}.
   * @throws CTLogError `ERR_CT_CERTIFICATE`, `ERR_CT_CHAIN`, `ERR_CT_PRECERT`
   */
  issuerSubmitter(issuerChain: readonly Uint8Array[]): PrecertificateSubmitter {
    if (issuerChain.length === 0) throw new CTLogError('ERR_CT_CHAIN', 'an issuer chain needs the issuing certificate');
    if (issuerChain.length + 1 > MAX_CHAIN_LENGTH) throw new CTLogError('ERR_CT_CHAIN', `chain longer than ${MAX_CHAIN_LENGTH}`);
    const bound = issuerChain.map((c) => Buffer.from(c));
    const { cert: issuer, chain: rest } = this.checkIssuers(bound);
    if (issuer.extKeyUsage.includes(PRECERT_SIGNING_EKU)) throw new CTLogError('ERR_CT_PRECERT', 'precertificate signing certificates are not supported');
    const issuerKeyHash = sha256(issuer.spki);
    const extraChain = encodeCertificateChain(rest);
    return {
      addPreChain: async (chain) => {
        if (chain.length !== bound.length + 1 || !bound.every((c, i) => c.equals(chain[i + 1] as Uint8Array))) {
          throw new CTLogError('ERR_CT_CHAIN', 'the chain is not the issuer chain this submitter is bound to');
        }
        const precert = Buffer.from(chain[0] as Uint8Array);
        let split;
        try {
          split = splitExtension(tbsOfCertificate(precert), CT_POISON_OID);
        } catch (cause) {
          throw new CTLogError('ERR_CT_CERTIFICATE', 'malformed precertificate', { cause });
        }
        if (!split) throw new CTLogError('ERR_CT_PRECERT', 'add-pre-chain needs a precertificate (CT poison extension)');
        if (!split.extension.equals(CT_POISON_EXTENSION_DER)) throw new CTLogError('ERR_CT_PRECERT', 'the CT poison extension must be critical and NULL');
        const entry: SignedEntry = { type: LogEntryType.precert, issuerKeyHash, tbsCertificate: split.tbs };
        return this.submit(entry, Buffer.concat([encodeVector24(precert), extraChain]));
      },
    };
  }

  private checkChain(input: readonly Uint8Array[]): { leaf: Certificate; issuer: Certificate; rest: Buffer[] } {
    if (input.length === 0) throw new CTLogError('ERR_CT_CHAIN', 'empty chain');
    if (input.length > MAX_CHAIN_LENGTH) throw new CTLogError('ERR_CT_CHAIN', `chain longer than ${MAX_CHAIN_LENGTH}`);
    const leaf = parseChainCertificate(input[0] as Uint8Array, 0);
    if (input.length === 1) {
      // A leaf issued directly by an accepted root may come alone.
      const root = this.roots.find((r) => isIssuedBy(leaf, r));
      if (!root) throw new CTLogError('ERR_CT_CHAIN', 'the chain does not end at an accepted root');
      return { leaf, issuer: root, rest: [root.der] };
    }
    const known = this.checkIssuers(input.slice(1));
    if (!known.cert.der.equals(input[1] as Uint8Array) || !isIssuedBy(leaf, known.cert)) throw new CTLogError('ERR_CT_CHAIN', 'chain[0] is not issued by chain[1]');
    return { leaf, issuer: known.cert, rest: known.chain };
  }

  /** chain[1..]: each issued by the next, ending at (or under) an accepted root; cached by content. */
  private checkIssuers(issuers: readonly Uint8Array[]): { cert: Certificate; chain: Buffer[] } {
    const key = sha256(Buffer.concat(issuers.map((c) => sha256(c)))).toString('hex');
    let known = this.trustedIssuers.get(key);
    if (!known) {
      const certs = issuers.map((c, i) => parseChainCertificate(c, i + 1));
      for (let i = 0; i + 1 < certs.length; i++) {
        if (!isIssuedBy(certs[i] as Certificate, certs[i + 1] as Certificate)) throw new CTLogError('ERR_CT_CHAIN', `chain[${i + 1}] is not issued by chain[${i + 2}]`);
      }
      const last = certs[certs.length - 1] as Certificate;
      const chain = certs.map((c) => c.der);
      if (!this.rootsByHash.has(sha256(last.der).toString('hex'))) {
        const root = this.roots.find((r) => isIssuedBy(last, r));
        if (!root) throw new CTLogError('ERR_CT_CHAIN', 'the chain does not end at an accepted root');
        chain.push(root.der);
      }
      known = { cert: certs[0] as Certificate, chain };
      if (this.trustedIssuers.size < 256) this.trustedIssuers.set(key, known);
    }
    return known;
  }

  private async submit(entry: SignedEntry, extraData: Buffer): Promise<SignedCertificateTimestamp> {
    const timestamp = this.clock().getTime();
    const leaf = encodeMerkleTreeLeaf(timestamp, entry);
    const hash = leafHash(leaf);
    // The same certificate twice is one entry (its first timestamp), as RFC 6962 §4.1 allows.
    const identity = sha256(Buffer.concat([encodeUint16(entry.type), entry.type === LogEntryType.x509 ? entry.certificate : Buffer.concat([entry.issuerKeyHash, entry.tbsCertificate])]));
    if (this.closed) throw new CTLogError('ERR_CT_UNAVAILABLE', 'the CT log is closed');
    let result;
    try {
      await this.store.put(hash, extraData);
      result = await this.log.append({ leaf, identity, indexKeys: [`leaf:${hash.toString('hex')}`] });
    } catch (cause) {
      throw new CTLogError('ERR_CT_UNAVAILABLE', `the log did not accept the entry: ${(cause as Error).message}`, { cause });
    }
    let at = timestamp;
    if (result.duplicate) {
      const stored = await this.log.entry(result.index);
      if (!stored) throw new CTLogError('ERR_CT_UNAVAILABLE', 'duplicate entry could not be read back');
      at = decodeMerkleTreeLeaf(stored.leaf).timestamp;
    }
    const signature = await this.signAsync(sctSignatureInput(at, entry));
    return { sct: encodeSCT(this.logId, at, signature), logId: this.logId, timestamp: at, signature: encodeDigitallySigned(signature), index: result.index };
  }

  /**
   * ECDSA P-256/SHA-256, DER (RFC 6962 §2.1.4), on libuv's thread pool: the event loop spends
   * ~7 µs on a signature instead of ~35 µs, and concurrent submissions sign on another core.
   */
  private signAsync(data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      cryptoSign('sha256', data, { key: this.key, dsaEncoding: 'der' }, (err, signature) => {
        if (err) reject(new CTLogError('ERR_CT_UNAVAILABLE', 'the log could not sign', { cause: err }));
        else resolve(signature);
      });
    });
  }

  /** The latest published tree head, signed (RFC 6962 §3.5, `get-sth`). */
  getSTH(): SignedTreeHead {
    const cp = this.log.checkpoint();
    const timestamp = cp.publishedAt.getTime();
    const cached = this.sthCache;
    if (cached && cached.treeSize === cp.size && cached.timestamp === timestamp) return cached;
    const signature = signMessage(this.key, treeHeadSignatureInput(timestamp, cp.size, cp.rootHash), { hash: 'sha256' });
    this.sthCache = { treeSize: cp.size, timestamp, rootHash: cp.rootHash, treeHeadSignature: encodeDigitallySigned(signature) };
    return this.sthCache;
  }

  /** Number of entries sequenced (published or not): what tests use to see that nothing was logged. */
  sequencedSize(): number {
    return this.log.stats().sequenced;
  }

  private checkSize(n: unknown, what: string): number {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new CTLogError('ERR_CT_REQUEST', `${what} must be a non-negative integer`);
    return n;
  }

  /**
   * `get-sth-consistency` (§4.4).
   * @throws CTLogError `ERR_CT_REQUEST`, `ERR_CT_TREE_SIZE`
   */
  async getSTHConsistency(first: number, second: number): Promise<Buffer[]> {
    this.checkSize(first, 'first');
    this.checkSize(second, 'second');
    const published = this.log.checkpoint().size;
    if (first > second || second > published) throw new CTLogError('ERR_CT_TREE_SIZE', `need first <= second <= ${published}`);
    return this.log.consistencyProof(first, second);
  }

  /**
   * `get-proof-by-hash` (§4.5): the leaf with this leaf hash and its audit path in the tree of `treeSize`.
   * @throws CTLogError `ERR_CT_REQUEST`, `ERR_CT_TREE_SIZE`, `ERR_CT_NOT_FOUND`
   */
  async getProofByHash(hash: Buffer, treeSize: number): Promise<{ leafIndex: number; auditPath: Buffer[] }> {
    this.checkSize(treeSize, 'tree_size');
    if (hash.length !== 32) throw new CTLogError('ERR_CT_REQUEST', 'hash must be 32 bytes');
    const published = this.log.checkpoint().size;
    if (treeSize > published || treeSize === 0) throw new CTLogError('ERR_CT_TREE_SIZE', `tree_size must be 1..${published}`);
    const [index] = await this.log.search(`leaf:${hash.toString('hex')}`, 1);
    if (index === undefined || index >= treeSize) throw new CTLogError('ERR_CT_NOT_FOUND', 'no leaf with this hash in that tree');
    return { leafIndex: index, auditPath: await this.log.inclusionProof(index, treeSize) };
  }

  /**
   * `get-entries` (§4.6): entries `start..end` inclusive, at most {@link MAX_GET_ENTRIES}, clipped to the published tree.
   * @throws CTLogError `ERR_CT_REQUEST`, `ERR_CT_TREE_SIZE`
   */
  async getEntries(start: number, end: number): Promise<CTLogEntry[]> {
    this.checkSize(start, 'start');
    this.checkSize(end, 'end');
    if (start > end) throw new CTLogError('ERR_CT_REQUEST', 'start must not exceed end');
    const published = this.log.checkpoint().size;
    if (start >= published) throw new CTLogError('ERR_CT_TREE_SIZE', `start must be below the tree size ${published}`);
    const last = Math.min(end, published - 1, start + MAX_GET_ENTRIES - 1);
    const out: CTLogEntry[] = [];
    for (let i = start; i <= last; i++) {
      const e = await this.log.entry(i);
      if (!e) break;
      const extraData = await this.store.get(leafHash(e.leaf));
      out.push({ leafInput: e.leaf, extraData: extraData ?? Buffer.alloc(0) });
    }
    return out;
  }

  /** Resolves once the entry at `index` is covered by a published tree head. */
  async awaitInclusion(index: number, signal?: AbortSignal): Promise<void> {
    await this.log.awaitCheckpoint(index, signal);
  }

  /** Closes the engine and the extra-data store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.log.close();
    } finally {
      await this.store.close();
    }
  }
}

/**
 * Opens a CT log with SQLite storage under `dataDir` (created when missing).
 * @throws CTLogError `ERR_CT_KEY`; LogError from the engine when storage cannot be opened.
 */
export async function openCTLog(options: OpenCTLogOptions): Promise<CTLog> {
  const origin = options.origin ?? 'signet-ctlog';
  if (options.privateKey.asymmetricKeyType !== 'ec') throw new CTLogError('ERR_CT_KEY', 'the CT log key must be ECDSA P-256');
  const log = await openLog({
    checkpointIntervalMs: 100,
    ...options.logOptions,
    dataDir: options.dataDir,
    origin,
    signers: [noteSignerFromPrivateKey(origin, options.privateKey)],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    return new CTLog({ ...options, log, extraData: fileExtraDataStore(options.dataDir) });
  } catch (err) {
    await log.close();
    throw err;
  }
}

