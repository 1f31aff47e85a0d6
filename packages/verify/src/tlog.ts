import { timingSafeEqual } from 'node:crypto';
import { canonicalizeJSON, encodeHex, verifySignature, SignetError } from '@signet/core';
import { hashLeaf, parseCheckpoint, parseSignedNote, verifyInclusionProof, type NoteSignature } from '@signet/merkle';
import type { TransparencyLogEntry } from '@signet/bundle';
import { VerificationError } from './errors.js';
import { isWithin, type LogKey } from './trust-material.js';

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The log that produced an entry: its logId must name a key of the trusted root (Rekor v1: the
 * SHA-256 of the key; Rekor v2: the checkpoint key ID).
 * @throws VerificationError `ERR_VERIFY_TLOG_UNKNOWN_LOG`
 */
export function findLog(entry: TransparencyLogEntry, logs: readonly LogKey[]): LogKey {
  const id = entry.logId.keyId;
  const log = logs.find((l) => equal(l.logId, id) || (l.checkpointKeyId !== undefined && equal(l.checkpointKeyId, id)));
  if (!log) throw new VerificationError('ERR_VERIFY_TLOG_UNKNOWN_LOG', `log entry ${entry.logIndex} comes from an unknown log ${encodeHex(id)}`);
  return log;
}

/**
 * The bytes a Rekor v1 SET signs: the RFC 8785 canonical JSON of
 * {body, integratedTime, logID, logIndex}, written directly for this fixed shape. It is exactly
 * what `canonicalizeJSON` produces (see the test that compares them): the keys are already in
 * sorted order; base64 and lower-case hex contain nothing JSON escapes; the integers are safe,
 * non-negative integers (the bundle parser guarantees it), which ECMAScript prints as plain
 * digits. Everything is ASCII, so a latin1 encoding is the UTF-8 one.
 */
export function signedEntryTimestampPayload(entry: TransparencyLogEntry, log: LogKey): Buffer {
  if (!Number.isSafeInteger(entry.integratedTime) || entry.integratedTime < 0 || !Number.isSafeInteger(entry.logIndex) || entry.logIndex < 0) {
    // Not reachable from parseBundle; keep hand-built entries on the generic encoder.
    return Buffer.from(canonicalizeJSON({
      body: entry.canonicalizedBody.toString('base64'),
      integratedTime: entry.integratedTime,
      logID: encodeHex(log.logId),
      logIndex: entry.logIndex,
    }), 'utf8');
  }
  const text = `{"body":"${entry.canonicalizedBody.toString('base64')}","integratedTime":${entry.integratedTime},"logID":"${encodeHex(log.logId)}","logIndex":${entry.logIndex}}`;
  return Buffer.from(text, 'latin1');
}

/**
 * Verifies a Rekor v1 signed entry timestamp: the log's signature over the RFC 8785 canonical
 * JSON of {body, integratedTime, logID, logIndex}. Returns the integrated time it vouches for.
 * @throws VerificationError `ERR_VERIFY_SET`
 */
export function verifySignedEntryTimestamp(entry: TransparencyLogEntry, log: LogKey): Date {
  const promise = entry.inclusionPromise;
  if (!promise) throw new VerificationError('ERR_VERIFY_SET', 'log entry has no signed entry timestamp');
  if (!verifySignature(log.key, signedEntryTimestampPayload(entry, log), promise.signedEntryTimestamp)) {
    throw new VerificationError('ERR_VERIFY_SET', `signed entry timestamp of log entry ${entry.logIndex} does not verify`);
  }
  const time = new Date(entry.integratedTime * 1000);
  if (!isWithin(log.validFor, time)) {
    throw new VerificationError('ERR_VERIFY_SET', `log key was not valid at integrated time ${time.toISOString()}`);
  }
  return time;
}

/**
 * Verifies the inclusion proof of an entry and the checkpoint that commits to its root:
 * leaf hash → root (RFC 9162 §2.1.3.2), checkpoint signed by the entry's log (unknown
 * signers such as witnesses are ignored), checkpoint size and root equal to the proof's.
 * @throws VerificationError `ERR_VERIFY_TLOG_INCLUSION`, `ERR_VERIFY_TLOG_CHECKPOINT`
 */
export function verifyInclusion(entry: TransparencyLogEntry, log: LogKey): void {
  const proof = entry.inclusionProof;
  if (!proof) throw new VerificationError('ERR_VERIFY_TLOG_INCLUSION', `log entry ${entry.logIndex} has no inclusion proof`);
  try {
    verifyInclusionProof({
      index: proof.logIndex,
      treeSize: proof.treeSize,
      leafHash: hashLeaf(entry.canonicalizedBody),
      proof: proof.hashes,
      rootHash: proof.rootHash,
    });
  } catch (cause) {
    if (cause instanceof SignetError) {
      throw new VerificationError('ERR_VERIFY_TLOG_INCLUSION', `inclusion proof of log entry ${entry.logIndex} does not verify: ${cause.message}`, { cause });
    }
    throw cause;
  }
  verifyCheckpointFor(proof.checkpoint.envelope, log, proof.treeSize, proof.rootHash);
}

function verifyCheckpointFor(envelope: string, log: LogKey, treeSize: number, rootHash: Buffer): void {
  let note;
  let checkpoint;
  try {
    note = parseSignedNote(envelope);
    checkpoint = parseCheckpoint(note.body);
  } catch (cause) {
    if (cause instanceof SignetError) {
      throw new VerificationError('ERR_VERIFY_TLOG_CHECKPOINT', `malformed checkpoint: ${cause.message}`, { cause });
    }
    throw cause;
  }
  const hints = [log.logId.subarray(0, 4), ...(log.checkpointKeyId ? [log.checkpointKeyId.subarray(0, 4)] : [])];
  const ours = note.signatures.filter((s: NoteSignature) => hints.some((h) => equal(h, s.keyHash)));
  if (ours.length === 0) throw new VerificationError('ERR_VERIFY_TLOG_CHECKPOINT', 'checkpoint is not signed by the log');
  const body = Buffer.from(note.body, 'utf8');
  for (const s of ours) {
    // Rekor signs checkpoints with its log key: Ed25519 over the body, or ECDSA-SHA256 (DER).
    if (!verifySignature(log.key, body, s.signature, { hash: 'sha256' })) {
      throw new VerificationError('ERR_VERIFY_TLOG_CHECKPOINT', 'checkpoint signature does not verify');
    }
  }
  if (checkpoint.treeSize !== treeSize || !equal(checkpoint.rootHash, rootHash)) {
    throw new VerificationError('ERR_VERIFY_TLOG_CHECKPOINT', 'checkpoint does not commit to the inclusion proof\'s tree');
  }
}
