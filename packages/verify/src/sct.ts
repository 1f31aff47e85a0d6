import {
  CoreError, DerTag, decodeSCTList, derChildren, derSequence, derValue, describeKey, encodeDerLength, expectTag, parseDer, readDer,
  sha256, verifySignature, OID, TLSReader, type Certificate, type DerNode,
} from '@signet/core';
import { VerificationError } from './errors.js';
import { isWithin, type LogKey } from './trust-material.js';

/*
 * Signed certificate timestamps embedded in a leaf certificate (RFC 6962 §3.3): the extension
 * 1.3.6.1.4.1.11129.2.4.2 holds an OCTET STRING whose content is a TLS-encoded
 * SignedCertificateTimestampList. Each SCT signs the *precertificate* the CA submitted, which is
 * the final TBSCertificate without this extension, bound to the issuer's key (RFC 6962 §3.2).
 *
 * Counting rule (stricter than sigstore-go, which counts verified SCTs and skips the rest):
 * an SCT whose log is unknown, or whose timestamp lies outside that log key's validity window,
 * is skipped (it proves nothing, and another log may be trusted); an SCT that names a known log
 * valid at its timestamp but whose signature does not verify is an error (`ERR_VERIFY_SCT`):
 * the log ID is the hash of the log's key, so such an SCT is forged or the certificate was
 * altered after issuance. Only distinct logs count toward the threshold.
 */

/** Most SCTs we read from one certificate. */
export const MAX_SCTS = 32;

/** One SignedCertificateTimestamp (RFC 6962 §3.2), fields as encoded. */
export interface SignedCertificateTimestamp {
  /** sct_version: only v1 (0) is accepted. */
  readonly version: number;
  /** log_id: SHA-256 of the log's public key. */
  readonly logId: Buffer;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The 8 timestamp octets as encoded (signed as-is). */
  readonly timestampBytes: Buffer;
  /** CtExtensions (opaque, usually empty). */
  readonly extensions: Buffer;
  /** TLS HashAlgorithm (4 = sha256). */
  readonly hashAlgorithm: number;
  /** TLS SignatureAlgorithm (1 = rsa, 3 = ecdsa). */
  readonly signatureAlgorithm: number;
  readonly signature: Buffer;
}

function malformed(message: string, cause?: unknown): never {
  throw new VerificationError('ERR_VERIFY_SCT', message, cause === undefined ? undefined : { cause });
}

/**
 * Parses a TLS-encoded SignedCertificateTimestampList (RFC 6962 §3.3) strictly: exact lengths,
 * non-empty list and entries, v1 SCTs only, at most {@link MAX_SCTS}.
 * @throws VerificationError `ERR_VERIFY_SCT`
 */
export function parseSCTList(list: Uint8Array): SignedCertificateTimestamp[] {
  try {
    return decodeSCTList(list, MAX_SCTS).map(parseSCT);
  } catch (cause) {
    if (cause instanceof CoreError) malformed(`malformed SCT list: ${cause.message}`, cause);
    throw cause;
  }
}

function parseSCT(bytes: Buffer): SignedCertificateTimestamp {
  const r = new TLSReader(bytes);
  const version = r.u8();
  if (version !== 0) malformed(`unsupported SCT version ${version}`);
  const logId = r.bytes(32);
  const timestampBytes = r.bytes(8);
  const ts = timestampBytes.readBigUInt64BE(0);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) malformed('SCT timestamp out of range');
  const extensions = r.vector16(0);
  const hashAlgorithm = r.u8();
  const signatureAlgorithm = r.u8();
  const signature = r.vector16(1);
  if (!r.done) malformed('trailing data in SCT');
  return { version, logId, timestamp: Number(ts), timestampBytes, extensions, hashAlgorithm, signatureAlgorithm, signature };
}

/** The SCT list carried by `leaf`, or undefined when it has no SCT extension. */
export function embeddedSCTs(leaf: Certificate): SignedCertificateTimestamp[] | undefined {
  const ext = leaf.extension(OID.sctList);
  if (!ext) return undefined;
  let inner: Buffer;
  try {
    inner = derValue(expectTag(parseDer(ext.value), DerTag.OCTET_STRING, 'SignedCertificateTimestampList'));
  } catch (cause) {
    malformed('SCT extension is not an OCTET STRING', cause);
  }
  return parseSCTList(inner);
}

/**
 * The precertificate TBSCertificate of `leaf` (RFC 6962 §3.2): its TBSCertificate with the SCT
 * list extension removed. Only the lengths of the extensions SEQUENCE, the [3] wrapper and the
 * TBS SEQUENCE are re-encoded; every other byte is sliced from the original. Returned as the
 * pieces to concatenate, with their total length, so the caller can place them in one buffer.
 * @throws VerificationError `ERR_VERIFY_SCT`
 */
export function precertificateTBSPieces(leaf: Certificate): { pieces: Buffer[]; length: number } {
  try {
    const tbs = parseDer(leaf.tbs);
    const fields = derSequence(tbs, 'TBSCertificate');
    const extField = fields.find((f) => f.tag === 0xa3);
    if (!extField) malformed('certificate has no extensions');
    const [extSeq, extra] = derChildren(extField);
    if (!extSeq || extra) malformed('bad extensions wrapper');
    expectTag(extSeq, DerTag.SEQUENCE, 'Extensions');
    // Walk the Extension TLVs, reading only each one's leading OID (compared as bytes): the
    // kept extensions are the two contiguous runs before and after the one SCT list.
    const buf = tbs.buffer;
    let sct: DerNode | undefined;
    let removed = 0;
    for (let pos = extSeq.contentStart; pos < extSeq.end;) {
      const ext = readDer(buf, pos, extSeq.end);
      expectTag(ext, DerTag.SEQUENCE, 'Extension');
      if (ext.contentStart >= ext.end) malformed('empty Extension');
      const oid = expectTag(readDer(buf, ext.contentStart, ext.end), DerTag.OID, 'Extension extnID');
      if (oid.end - oid.contentStart === SCT_OID.length && buf.compare(SCT_OID, 0, SCT_OID.length, oid.contentStart, oid.end) === 0) {
        removed++;
        sct = ext;
      }
      pos = ext.end;
    }
    if (removed !== 1 || !sct) malformed('certificate does not carry exactly one SCT list');
    const keptLength = extSeq.end - extSeq.contentStart - (sct.end - sct.start);
    const before = buf.subarray(tbs.contentStart, extField.start);
    const after = buf.subarray(extField.end, tbs.end);
    let content = before.length + after.length;
    let extPieces: Buffer[] = [];
    if (keptLength > 0) {
      // Extensions ::= SEQUENCE SIZE (1..MAX): with nothing left, the [3] field is omitted.
      const seqHeader = derHeader(DerTag.SEQUENCE, keptLength);
      const wrapHeader = derHeader(0xa3, seqHeader.length + keptLength);
      extPieces = [wrapHeader, seqHeader, buf.subarray(extSeq.contentStart, sct.start), buf.subarray(sct.end, extSeq.end)];
      content += wrapHeader.length + seqHeader.length + keptLength;
    }
    const tbsHeader = derHeader(DerTag.SEQUENCE, content);
    return { pieces: [tbsHeader, before, ...extPieces, after], length: tbsHeader.length + content };
  } catch (cause) {
    if (cause instanceof VerificationError) throw cause;
    if (cause instanceof CoreError) malformed(`malformed certificate: ${cause.message}`, cause);
    throw cause;
  }
}

/** Content octets of the SCT list extension's OID, 1.3.6.1.4.1.11129.2.4.2. */
const SCT_OID = Buffer.from('2b06010401d679020402', 'hex');

/** A DER tag and length header (X.690 §10.1 minimal length). */
function derHeader(tag: number, length: number): Buffer {
  const len = encodeDerLength(length);
  const out = Buffer.allocUnsafe(1 + len.length);
  out[0] = tag;
  len.copy(out, 1);
  return out;
}

/** The precertificate TBSCertificate of `leaf` as one buffer (see {@link precertificateTBSPieces}). */
export function precertificateTBS(leaf: Certificate): Buffer {
  const { pieces, length } = precertificateTBSPieces(leaf);
  return Buffer.concat(pieces, length);
}

/**
 * The data an SCT signs for a precertificate entry (RFC 6962 §3.2, `digitally-signed struct`):
 * sct_version, signature_type = certificate_timestamp (0), timestamp, entry_type = precert_entry
 * (1), issuer_key_hash, tbs_certificate<1..2^24-1>, extensions<0..2^16-1>.
 */
export function sctSignedData(sct: SignedCertificateTimestamp, issuerKeyHash: Buffer, tbs: { pieces: Buffer[]; length: number }): Buffer {
  if (tbs.length >= 1 << 24) malformed('TBSCertificate too large for an SCT');
  if (issuerKeyHash.length !== 32 || sct.timestampBytes.length !== 8) throw new RangeError('issuer key hash must be 32 bytes and the timestamp 8');
  // Written into one buffer: head (47 bytes), the TBS pieces, extensions length and bytes.
  const out = Buffer.allocUnsafe(1 + 1 + 8 + 2 + 32 + 3 + tbs.length + 2 + sct.extensions.length);
  let o = out.writeUInt8(sct.version, 0);
  o = out.writeUInt8(0, o);
  o += sct.timestampBytes.copy(out, o);
  o = out.writeUInt16BE(1, o);
  o += issuerKeyHash.copy(out, o);
  o = out.writeUIntBE(tbs.length, o, 3);
  let written = 0;
  for (const piece of tbs.pieces) {
    o += piece.copy(out, o);
    written += piece.length;
  }
  if (written !== tbs.length) throw new RangeError('TBS pieces do not add up to the stated length');
  o = out.writeUInt16BE(sct.extensions.length, o);
  sct.extensions.copy(out, o);
  return out;
}

/** Verifies one SCT's signature with a log key; false on any mismatch (algorithm or signature). */
function verifySCTSignature(sct: SignedCertificateTimestamp, log: LogKey, data: Buffer): boolean {
  // RFC 6962 §2.1.4: SHA-256 with ECDSA (NIST P-256) or RSA (PKCS#1 v1.5); TLS codes sha256 = 4,
  // rsa = 1, ecdsa = 3 (RFC 5246 §7.4.1.4.1). The algorithm must also match the log's key.
  if (sct.hashAlgorithm !== 4) return false;
  let algorithm: string;
  try {
    algorithm = describeKey(log.key).algorithm;
  } catch {
    return false;
  }
  if (sct.signatureAlgorithm === 3 ? !algorithm.startsWith('ecdsa-') : sct.signatureAlgorithm !== 1 || algorithm !== 'rsa') return false;
  return verifySignature(log.key, data, sct.signature, { hash: 'sha256', rsaPadding: 'pkcs1' });
}

/**
 * Verifies parsed SCTs of a precertificate against CT log keys and returns how many distinct logs
 * verified. Unknown logs (or known logs outside their validity window at the SCT's timestamp)
 * are skipped; a known, valid log whose signature fails is an error.
 * @throws VerificationError `ERR_VERIFY_SCT` (bad signature from a known log)
 */
export function countVerifiedSCTs(
  scts: readonly SignedCertificateTimestamp[],
  tbs: { pieces: Buffer[]; length: number },
  issuerSpki: Uint8Array,
  ctlogs: readonly LogKey[],
): number {
  const issuerKeyHash = sha256(issuerSpki);
  const verified = new Set<string>();
  for (const sct of scts) {
    const at = new Date(sct.timestamp);
    const logs = ctlogs.filter((l) => l.logId.equals(sct.logId) && isWithin(l.validFor, at));
    if (logs.length === 0) continue;
    const data = sctSignedData(sct, issuerKeyHash, tbs);
    if (!logs.some((l) => verifySCTSignature(sct, l, data))) {
      malformed(`SCT from CT log ${sct.logId.toString('hex')} does not verify`);
    }
    verified.add(sct.logId.toString('hex'));
  }
  return verified.size;
}

/**
 * Verifies the SCTs embedded in `leaf` (RFC 6962 §3.3) against the trusted CT logs and
 * returns how many distinct logs vouch for it. `issuer` is the certificate that issued
 * `leaf`: its SubjectPublicKeyInfo is bound into every SCT.
 * @throws VerificationError `ERR_VERIFY_SCT` (malformed list, or a bad SCT from a known log),
 *   `ERR_VERIFY_SCT_THRESHOLD` (fewer than `threshold` distinct logs verified, including when the
 *   certificate carries no SCTs)
 */
export function verifyEmbeddedSCTs(leaf: Certificate, issuer: Certificate, ctlogs: readonly LogKey[], threshold: number): number {
  if (!Number.isInteger(threshold) || threshold < 0) throw new RangeError('threshold must be a non-negative integer');
  const scts = embeddedSCTs(leaf);
  if (!scts) {
    if (threshold > 0) throw new VerificationError('ERR_VERIFY_SCT_THRESHOLD', 'certificate carries no SCTs');
    return 0;
  }
  const count = countVerifiedSCTs(scts, precertificateTBSPieces(leaf), issuer.spki, ctlogs);
  if (count < threshold) {
    throw new VerificationError('ERR_VERIFY_SCT_THRESHOLD', `${count} CT log(s) verified, ${threshold} required`);
  }
  return count;
}
