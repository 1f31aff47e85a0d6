import { decodeBase64 } from '@signet/core';

/**
 * Decodes canonical standard base64 with padding (RFC 4648 §4), as c2sp.org/signed-note and
 * tlog-checkpoint require; returns undefined for anything else (core's strict decoder).
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  try {
    return decodeBase64(text);
  } catch {
    return undefined;
  }
}
