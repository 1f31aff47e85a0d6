import { BundleError } from './errors.js';

const STANDARD_RE = /^[A-Za-z0-9+/]*$/;
const URL_SAFE_RE = /^[A-Za-z0-9\-_]*$/;

/**
 * Decodes a proto3-JSON `bytes` value. The proto3 JSON mapping emits standard base64 with
 * padding and says parsers accept "either standard or URL-safe base64 encoding with/without
 * paddings"; we accept exactly that set and nothing looser:
 * - one alphabet per value (standard `+/` or URL-safe `-_`, never both);
 * - padding either absent or complete (`len % 4 == 0`), never partial or excessive;
 * - no whitespace, no characters outside the alphabet, no length ≡ 1 (mod 4);
 * - canonical: the unused low bits of the last symbol are zero, so one byte string has
 *   exactly one accepted spelling per alphabet/padding choice (RFC 4648 §3.5).
 * `maxBytes` is checked on the text length before decoding, and on the result.
 * @throws BundleError `ERR_BUNDLE_BASE64`, `ERR_BUNDLE_LIMIT`
 */
export function decodeBase64Field(text: string, path: string, maxBytes: number): Buffer {
  // 4 chars carry 3 bytes; anything longer than this cannot fit in maxBytes.
  if (text.length > Math.ceil(maxBytes / 3) * 4) {
    throw new BundleError('ERR_BUNDLE_LIMIT', path, `bytes value exceeds ${maxBytes} bytes`);
  }
  // Fast path: canonical standard base64 with padding — what every Sigstore client writes.
  const fast = Buffer.from(text, 'base64');
  if (fast.toString('base64') === text) {
    if (fast.length > maxBytes) throw new BundleError('ERR_BUNDLE_LIMIT', path, `bytes value exceeds ${maxBytes} bytes`);
    return fast;
  }
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */) end--;
  const body = text.slice(0, end);
  const padding = text.length - end;
  const urlSafe = !STANDARD_RE.test(body);
  if (urlSafe && !URL_SAFE_RE.test(body)) {
    throw new BundleError('ERR_BUNDLE_BASE64', path, 'base64 value has characters outside the alphabet');
  }
  const remainder = body.length % 4;
  if (remainder === 1) {
    throw new BundleError('ERR_BUNDLE_BASE64', path, 'base64 value has an impossible length');
  }
  if (padding > 0 && (remainder === 0 || padding !== 4 - remainder)) {
    throw new BundleError('ERR_BUNDLE_BASE64', path, 'base64 value has wrong padding');
  }
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  // Buffer.from ignores non-zero trailing bits; re-encoding exposes a non-canonical spelling.
  if (bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '') !== body) {
    throw new BundleError('ERR_BUNDLE_BASE64', path, 'base64 value is not canonical');
  }
  if (bytes.length > maxBytes) {
    throw new BundleError('ERR_BUNDLE_LIMIT', path, `bytes value exceeds ${maxBytes} bytes`);
  }
  return bytes;
}

/** Standard, padded base64: what the proto3 JSON mapping (and cosign, sigstore-js) emit. */
export function encodeBase64Field(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
