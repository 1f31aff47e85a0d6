import { MerkleError } from './errors.js';
import { decodeBase64Strict } from './base64.js';

/** Largest note accepted, in UTF-8 bytes; caps work on untrusted input (c2sp.org/signed-note). */
export const MAX_NOTE_BYTES = 1024 * 1024;

/** Most signature lines accepted; the spec asks verifiers to accept at least 16. */
export const MAX_NOTE_SIGNATURES = 100;

/** Length of the key ID that starts every signature, c2sp.org/signed-note. */
export const NOTE_KEY_HASH_SIZE = 4;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
// Control characters other than newline are forbidden; \p{Cs} in u-mode matches only lone
// surrogates, i.e. text that is not valid UTF-8 once encoded.
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f]|\p{Cs}/u;
// Unicode spaces (JS \s plus U+0085, which Go's unicode.IsSpace also counts) and '+'.
const BAD_NAME_CHAR = /[\s\u0085+]/u;

/** One signature line of a signed note. */
export interface NoteSignature {
  /** Key name, as written after the em dash. */
  name: string;
  /** The 4-byte key ID that starts the decoded signature. */
  keyHash: Buffer;
  /** The signature proper: the decoded bytes after the key ID. */
  signature: Buffer;
  /** All decoded bytes (key ID and signature). */
  raw: Buffer;
}

/** A signed note split into its text and its signature lines, c2sp.org/signed-note. */
export interface SignedNote {
  /** The note text, up to and including the newline before the separating blank line. */
  body: string;
  /** Signature lines in order of appearance, none yet verified. */
  signatures: NoteSignature[];
}

/** Something that signs note text for one key, c2sp.org/signed-note. */
export interface NoteSigner {
  /** Key name written in the signature line. */
  name: string;
  /** 4-byte key ID written before the signature. */
  keyHash: Uint8Array;
  /** Signs the UTF-8 note text. */
  sign(body: Uint8Array): Uint8Array;
}

/** True when `name` is a valid key name: non-empty, no Unicode spaces, no '+'. */
export function isValidNoteKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !BAD_NAME_CHAR.test(name) && !FORBIDDEN.test(name);
}

function formatError(message: string): MerkleError {
  return new MerkleError('ERR_NOTE_FORMAT', `malformed signed note: ${message}`);
}

function parseSignatureLine(line: string, n: number): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw formatError(`signature line ${n} does not start with an em dash and a space`);
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw formatError(`signature line ${n} has no space between name and signature`);
  const name = rest.slice(0, space);
  if (!isValidNoteKeyName(name)) {
    throw formatError(`signature line ${n} has an empty name or one with spaces or '+'`);
  }
  const raw = decodeBase64Strict(rest.slice(space + 1));
  if (raw === undefined) throw formatError(`signature line ${n} is not canonical base64`);
  // Key ID (4 bytes) plus at least one signature byte.
  if (raw.length <= NOTE_KEY_HASH_SIZE) throw formatError(`signature line ${n} is too short`);
  return {
    name,
    keyHash: Buffer.from(raw.subarray(0, NOTE_KEY_HASH_SIZE)),
    signature: Buffer.from(raw.subarray(NOTE_KEY_HASH_SIZE)),
    raw,
  };
}

/** Rejects note text (or a whole note) that is too large or has forbidden characters. */
export function checkNoteText(text: string): void {
  if (typeof text !== 'string') throw formatError('not a string');
  if (text.length > MAX_NOTE_BYTES || Buffer.byteLength(text, 'utf8') > MAX_NOTE_BYTES) {
    throw formatError(`larger than ${MAX_NOTE_BYTES} bytes`);
  }
  if (FORBIDDEN.test(text)) throw formatError('contains a control character or invalid UTF-8');
}

/**
 * Splits a signed note into text and signature lines, strictly per c2sp.org/signed-note:
 * valid UTF-8 without control characters other than newline; text ending in a newline; the
 * last blank line separating text and signatures; each signature line
 * `— <name> <base64(keyID || signature)>`; at most 100 signatures; at most 1 MiB.
 * Nothing is verified here: see `verifySignedNote`.
 *
 * @throws {MerkleError} `ERR_NOTE_FORMAT` for any departure from that syntax.
 */
export function parseSignedNote(text: string): SignedNote {
  checkNoteText(text);
  if (!text.endsWith('\n')) throw formatError('does not end with a newline');
  // The text may itself contain blank lines; the last one is the separator.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw formatError('no blank line between text and signatures');
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1);
  if (lines.length === 0) throw formatError('no signature lines');
  const sigLines = lines.split('\n');
  if (sigLines.length > MAX_NOTE_SIGNATURES) {
    throw formatError(`more than ${MAX_NOTE_SIGNATURES} signature lines`);
  }
  return { body, signatures: sigLines.map((line, i) => parseSignatureLine(line, i + 1)) };
}

/**
 * Signs note text with one or more signers and returns the complete signed note
 * (text, blank line, one signature line per signer), c2sp.org/signed-note.
 *
 * @throws {TypeError} when the text is empty, lacks a final newline, has forbidden
 *   characters, or a signer has an invalid name or a key ID that is not 4 bytes (caller misuse).
 */
export function signNote(body: string, signers: NoteSigner | readonly NoteSigner[]): string {
  try {
    checkNoteText(body);
  } catch (err) {
    throw new TypeError((err as Error).message);
  }
  if (body.length === 0 || !body.endsWith('\n')) throw new TypeError('note text must end with a newline');
  const list: readonly NoteSigner[] = Array.isArray(signers) ? signers : [signers as NoteSigner];
  if (list.length === 0 || list.length > MAX_NOTE_SIGNATURES) {
    throw new TypeError(`between 1 and ${MAX_NOTE_SIGNATURES} signers are needed`);
  }
  const bytes = Buffer.from(body, 'utf8');
  const lines = list.map((s) => {
    if (!isValidNoteKeyName(s.name)) throw new TypeError(`invalid note key name ${JSON.stringify(s.name)}`);
    if (s.keyHash.length !== NOTE_KEY_HASH_SIZE) throw new TypeError('note key ID must be 4 bytes');
    const sig = Buffer.concat([s.keyHash, s.sign(bytes)]);
    return `${SIGNATURE_PREFIX}${s.name} ${sig.toString('base64')}\n`;
  });
  return `${body}\n${lines.join('')}`;
}
