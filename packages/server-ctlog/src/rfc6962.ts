import { createHash } from 'node:crypto';
import {
  DerTag, derChildren, derOid, derRaw, derSequence, encodeDer, encodeUint16, encodeUint64, encodeUint8, encodeVector16, encodeVector24, parseDer,
  OID, TLSReader,
} from '@signet/core';

/*
 * RFC 6962 structures: MerkleTreeLeaf (§3.4), the data an SCT signs (§3.2), the
 * SignedCertificateTimestamp wire form (§3.2), the tree head signature input (§3.5), and the
 * precertificate TBSCertificate (§3.1: the precertificate's TBS without the poison extension).
 */

/** LogEntryType (§3.1). */
export const LogEntryType = { x509: 0, precert: 1 } as const;
export type LogEntryTypeValue = (typeof LogEntryType)[keyof typeof LogEntryType];

/** The signed part of an entry: a certificate, or a precertificate's TBS bound to its issuer key. */
export type SignedEntry =
  | { type: typeof LogEntryType.x509; certificate: Buffer }
  | { type: typeof LogEntryType.precert; issuerKeyHash: Buffer; tbsCertificate: Buffer };

/** TLS hash/signature algorithm codes (RFC 5246 §7.4.1.4.1). */
const SHA256 = 4;
const ECDSA = 3;

function signedEntryBytes(e: SignedEntry): Buffer {
  return e.type === LogEntryType.x509
    ? encodeVector24(e.certificate)
    : Buffer.concat([e.issuerKeyHash, encodeVector24(e.tbsCertificate)]);
}

/** MerkleTreeLeaf { v1, timestamped_entry, TimestampedEntry { timestamp, entry_type, signed_entry, extensions } } (§3.4). */
export function encodeMerkleTreeLeaf(timestamp: number, entry: SignedEntry): Buffer {
  return Buffer.concat([encodeUint8(0), encodeUint8(0), encodeUint64(timestamp), encodeUint16(entry.type), signedEntryBytes(entry), encodeVector16(Buffer.alloc(0))]);
}

/**
 * Reads back a MerkleTreeLeaf this log wrote.
 * @throws CoreError `ERR_CORE_TLS` when truncated; RangeError for another version, entry type or trailing data
 */
export function decodeMerkleTreeLeaf(leaf: Buffer): { timestamp: number; entry: SignedEntry } {
  const r = new TLSReader(leaf);
  if (r.u8() !== 0 || r.u8() !== 0) throw new RangeError('not a v1 timestamped_entry leaf');
  const timestamp = r.u64();
  const type = r.u16();
  let entry: SignedEntry;
  if (type === LogEntryType.x509) entry = { type, certificate: r.vector24() };
  else if (type === LogEntryType.precert) entry = { type, issuerKeyHash: r.bytes(32), tbsCertificate: r.vector24() };
  else throw new RangeError(`unknown entry type ${type}`);
  r.vector16();
  if (!r.done) throw new RangeError('trailing data in leaf');
  return { timestamp, entry };
}

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(leaf).digest();
}

/** The `digitally-signed` input of an SCT (§3.2): version, certificate_timestamp, timestamp, entry, extensions. */
export function sctSignatureInput(timestamp: number, entry: SignedEntry): Buffer {
  return Buffer.concat([encodeUint8(0), encodeUint8(0), encodeUint64(timestamp), encodeUint16(entry.type), signedEntryBytes(entry), encodeVector16(Buffer.alloc(0))]);
}

/** SignedCertificateTimestamp (§3.2) as serialized in TLS and in the SCT list extension. */
export function encodeSCT(logId: Buffer, timestamp: number, signature: Buffer): Buffer {
  return Buffer.concat([encodeUint8(0), logId, encodeUint64(timestamp), encodeVector16(Buffer.alloc(0)), encodeUint8(SHA256), encodeUint8(ECDSA), encodeVector16(signature)]);
}

/** DigitallySigned (RFC 5246 §4.7) with SHA-256/ECDSA, as used for STHs and SCT JSON. */
export function encodeDigitallySigned(signature: Buffer): Buffer {
  return Buffer.concat([encodeUint8(SHA256), encodeUint8(ECDSA), encodeVector16(signature)]);
}

/** TreeHeadSignature input (§3.5): version, tree_hash, timestamp, tree_size, sha256_root_hash. */
export function treeHeadSignatureInput(timestamp: number, treeSize: number, rootHash: Buffer): Buffer {
  return Buffer.concat([encodeUint8(0), encodeUint8(1), encodeUint64(timestamp), encodeUint64(treeSize), rootHash]);
}

/** SignedCertificateTimestampList (§3.3): core's codec, shared with the CA and the verifier. */
export { encodeSCTList } from '@signet/core';

/** certificate_chain / precertificate_chain: ASN.1Cert<1..2^24-1> items in a 24-bit vector. */
export function encodeCertificateChain(certs: readonly Buffer[]): Buffer {
  return encodeVector24(Buffer.concat(certs.map((c) => encodeVector24(c))));
}

/**
 * A TBSCertificate with one extension removed (§3.1: the log signs the precertificate's TBS
 * without the poison). The other bytes are kept as they are; only lengths are re-encoded. When no
 * extension remains, the [3] field is dropped (Extensions ::= SEQUENCE SIZE (1..MAX)).
 * Returns undefined when the extension is absent.
 */
export function removeExtension(tbs: Buffer, oid: string): Buffer | undefined {
  return splitExtension(tbs, oid)?.tbs;
}

/**
 * Like {@link removeExtension}, also returning the removed Extension's DER (to check its
 * criticality and value without parsing the certificate).
 * @throws RangeError for a malformed TBSCertificate or the extension twice
 */
export function splitExtension(tbs: Buffer, oid: string): { tbs: Buffer; extension: Buffer } | undefined {
  const fields = derSequence(parseDer(tbs), 'TBSCertificate');
  const out: Buffer[] = [];
  let removed: Buffer | undefined;
  for (const f of fields) {
    if (f.tag !== 0xa3) {
      out.push(derRaw(f));
      continue;
    }
    const [seq] = derChildren(f);
    if (!seq) throw new RangeError('empty extensions');
    const kept: Buffer[] = [];
    for (const ext of derSequence(seq, 'Extensions')) {
      const [id] = derChildren(ext);
      if (id && derOid(id) === oid) {
        if (removed) throw new RangeError(`duplicate extension ${oid}`);
        removed = derRaw(ext);
      } else {
        kept.push(derRaw(ext));
      }
    }
    if (kept.length > 0) out.push(encodeDer(0xa3, encodeDer(DerTag.SEQUENCE, ...kept)));
  }
  return removed ? { tbs: encodeDer(DerTag.SEQUENCE, ...out), extension: removed } : undefined;
}

/**
 * The TBSCertificate of a Certificate (RFC 5280 §4.1: SEQUENCE { tbsCertificate,
 * signatureAlgorithm, signatureValue }), without parsing further.
 * @throws RangeError for anything else
 */
export function tbsOfCertificate(der: Uint8Array): Buffer {
  const [tbs, alg, sig, extra] = derSequence(parseDer(der), 'Certificate');
  if (!tbs || !alg || !sig || extra || tbs.tag !== DerTag.SEQUENCE) throw new RangeError('not a Certificate');
  return derRaw(tbs);
}

/** The CT poison Extension exactly as §3.1 requires it: critical, extnValue an ASN.1 NULL. */
export const CT_POISON_EXTENSION_DER: Buffer = Buffer.from('3013060a2b06010401d679020403' + '0101ff' + '04020500', 'hex');

/** The CT poison extension's OID (§3.1): critical, value ASN.1 NULL. */
export const CT_POISON_OID: string = OID.ctPoison;
