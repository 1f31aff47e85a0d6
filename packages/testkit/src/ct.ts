import { createHash, type KeyObject } from 'node:crypto';
import { encodeUint16, encodeUint24, encodeUint64, signMessage } from '@signet/core';
import { generateKey } from './certificates.js';

/*
 * A certificate transparency log that only signs: it issues RFC 6962 v1 SCTs for precertificates
 * (§3.2) and encodes them as the SignedCertificateTimestampList a leaf embeds (§3.3).
 */

/** An in-memory CT log key (ECDSA P-256). */
export class TestCTLog {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** RFC 6962 §3.2 LogID: SHA-256 of the log's SubjectPublicKeyInfo. */
  readonly logId: Buffer;

  constructor() {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKey('ecdsa-p256'));
    this.logId = createHash('sha256').update(this.publicKey.export({ format: 'der', type: 'spki' })).digest();
  }

  /**
   * A serialized SCT for a precertificate (RFC 6962 §3.2): the log signs version, signature type
   * certificate_timestamp, timestamp, entry type precert_entry, SHA-256 of the issuer's SPKI, the
   * precertificate TBSCertificate and (empty) extensions; ECDSA SHA-256, TLS codes 4/3.
   */
  signPrecertificate(precertTBS: Buffer, issuerSpki: Buffer, timestamp: Date): Buffer {
    const time = encodeUint64(timestamp.getTime());
    const extensions = Buffer.alloc(0);
    const signed = Buffer.concat([
      Buffer.of(0, 0), time, encodeUint16(1),
      createHash('sha256').update(issuerSpki).digest(),
      encodeUint24(precertTBS.length), precertTBS,
      encodeUint16(extensions.length), extensions,
    ]);
    const signature = signMessage(this.privateKey, signed, { hash: 'sha256' });
    return Buffer.concat([Buffer.of(0), this.logId, time, encodeUint16(extensions.length), extensions, Buffer.of(4, 3), encodeUint16(signature.length), signature]);
  }
}

/** SignedCertificateTimestampList (RFC 6962 §3.3), core's codec. */
export { encodeSCTList } from '@signet/core';
