import { MerkleError } from './errors.js';
import { decodeBase64Strict } from './base64.js';
import { HASH_SIZE } from './hash.js';
import { checkNoteText, parseSignedNote, type NoteSignature, type SignedNote } from './note.js';
import type { NoteVerifier } from './note-verifier.js';
import { verifySignedNote } from './verify-note.js';

/** A log's signed tree head, the note text of c2sp.org/tlog-checkpoint. */
export interface Checkpoint {
  /** Log identity, first line; non-empty (Rekor v1 puts "<host> - <tree id>" here). */
  origin: string;
  /** Number of leaves. */
  treeSize: number;
  /** RFC 6962 root hash of the tree of `treeSize` leaves. */
  rootHash: Buffer;
  /** Opaque, non-empty lines after the root hash. */
  extensions: string[];
}

/** A checkpoint whose note signatures were verified. */
export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  note: SignedNote;
  /** Signature lines that matched a trusted key and verified. */
  signatures: NoteSignature[];
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function formatError(message: string, cause?: unknown): MerkleError {
  return new MerkleError('ERR_CHECKPOINT_FORMAT', `malformed checkpoint: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * Parses checkpoint note text strictly, c2sp.org/tlog-checkpoint "Note text": at least three
 * newline-terminated lines — non-empty origin, decimal tree size without leading zeros (and at
 * most 2^53−1 here), base64 of a 32-byte root hash — then optional non-empty extension lines.
 * Pass the note `body`, not the signed note; verify the signatures first.
 *
 * @throws {MerkleError} `ERR_CHECKPOINT_FORMAT` for any departure from that format.
 */
export function parseCheckpoint(body: string): Checkpoint {
  try {
    checkNoteText(body);
  } catch (err) {
    throw formatError('not valid note text', err);
  }
  if (!body.endsWith('\n')) throw formatError('does not end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw formatError('needs origin, tree size and root hash lines');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw formatError('empty origin');
  if (!DECIMAL.test(size)) throw formatError('tree size is not a decimal without leading zeros');
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw formatError('tree size exceeds 2^53-1');
  const rootHash = decodeBase64Strict(root);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) {
    throw formatError(`root hash is not base64 of ${HASH_SIZE} bytes`);
  }
  if (extensions.some((l) => l.length === 0)) throw formatError('empty extension line');
  return { origin, treeSize, rootHash, extensions };
}

/**
 * Formats a checkpoint as note text (c2sp.org/tlog-checkpoint), ready for `signNote`.
 *
 * @throws {TypeError} for an empty origin, a non-integer size, a root that is not 32 bytes, or
 *   an origin or extension line that is empty or contains a newline (caller misuse).
 */
export function formatCheckpoint(cp: Checkpoint): string {
  const badLine = (l: string): boolean => typeof l !== 'string' || l.length === 0 || l.includes('\n');
  if (badLine(cp.origin)) throw new TypeError('checkpoint origin must be a non-empty line');
  if (!Number.isSafeInteger(cp.treeSize) || cp.treeSize < 0) {
    throw new TypeError('checkpoint tree size must be a non-negative safe integer');
  }
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== HASH_SIZE) {
    throw new TypeError(`checkpoint root hash must be ${HASH_SIZE} bytes`);
  }
  if (cp.extensions.some(badLine)) throw new TypeError('checkpoint extension lines must be non-empty lines');
  const lines = [cp.origin, String(cp.treeSize), Buffer.from(cp.rootHash).toString('base64'), ...cp.extensions];
  return `${lines.join('\n')}\n`;
}

/**
 * Opens a signed checkpoint: parses the note, verifies it against the trusted keys (see
 * `verifySignedNote`), then parses its text. Callers still bind origin, size and root to what
 * they expect (e.g. the inclusion proof in a bundle).
 *
 * @throws {MerkleError} `ERR_NOTE_FORMAT`, `ERR_NOTE_SIGNATURE`, or `ERR_CHECKPOINT_FORMAT`.
 */
export function verifyCheckpoint(noteText: string, verifiers: readonly NoteVerifier[]): VerifiedCheckpoint {
  const note = parseSignedNote(noteText);
  const signatures = verifySignedNote(note, verifiers);
  return { checkpoint: parseCheckpoint(note.body), note, signatures };
}
