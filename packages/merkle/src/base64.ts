const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical standard base64 with padding (RFC 4648 §4), as c2sp.org/signed-note and
 * tlog-checkpoint require; returns undefined for anything else. Node's decoder skips bad
 * characters silently, so the alphabet is checked first and non-zero pad bits are caught by
 * re-encoding.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
