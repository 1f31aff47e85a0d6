import { CoreError } from './errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Decodes standard base64 (RFC 4648 §4) strictly: alphabet, padding and canonical trailing bits
 * are all checked, unlike `Buffer.from(s, 'base64')`, which silently skips garbage.
 * @throws CoreError `ERR_CORE_BASE64`
 */
export function decodeBase64(text: string, what = 'base64 value'): Buffer {
  if (typeof text !== 'string') throw new CoreError('ERR_CORE_BASE64', `${what} is not a string`);
  // Node's decoder skips characters outside the alphabet, accepts the URL-safe alphabet, missing
  // padding and non-zero pad bits; re-encoding gives the one canonical spelling of the bytes,
  // so comparing with it rejects all of those at once (and is faster than a regex pass).
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new CoreError('ERR_CORE_BASE64', `${what} is not canonical, padded standard base64`);
  }
  return bytes;
}

/** Encodes bytes as standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes an even-length hexadecimal string.
 * @throws CoreError `ERR_CORE_HEX`
 */
export function decodeHex(text: string, what = 'hex value'): Buffer {
  if (typeof text !== 'string' || !HEX_RE.test(text)) {
    throw new CoreError('ERR_CORE_HEX', `${what} is not valid hexadecimal`);
  }
  return Buffer.from(text, 'hex');
}

/** Lower-case hexadecimal of bytes. */
export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Views any Uint8Array as a Buffer without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One PEM block: its label and DER contents. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Parses every PEM block in `text` (RFC 7468, strict base64 body; headers such as
 * `Proc-Type` are rejected because Signet never reads legacy encrypted PEM).
 * @throws CoreError `ERR_CORE_PEM`
 */
export function decodePem(text: string, maxBlocks = 64): PemBlock[] {
  if (typeof text !== 'string') throw new CoreError('ERR_CORE_PEM', 'PEM input is not text');
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    if (blocks.length >= maxBlocks) throw new CoreError('ERR_CORE_PEM', `more than ${maxBlocks} PEM blocks`);
    const body = (m[2] ?? '').replace(/\s+/g, '');
    let der: Buffer;
    try {
      der = decodeBase64(body, `PEM ${m[1]} body`);
    } catch (cause) {
      throw new CoreError('ERR_CORE_PEM', `PEM ${m[1]} block has an invalid base64 body`, { cause });
    }
    if (der.length === 0) throw new CoreError('ERR_CORE_PEM', `PEM ${m[1]} block is empty`);
    blocks.push({ label: m[1] as string, der });
  }
  if (blocks.length === 0) throw new CoreError('ERR_CORE_PEM', 'no PEM block found');
  return blocks;
}

/** Encodes DER as a PEM block with 64-column lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = encodeBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
