import type { KeyObject } from 'node:crypto';
import {
  authorityKeyIdentifierExtension, basicConstraintsExtension, distinguishedName, extKeyUsageExtension, generateKeyPair,
  issueCertificate, keyUsageExtension, randomSerialNumber, subjectKeyIdentifierExtension, type GeneratedKeyType,
} from './certificate-builder.js';
import { OIDS } from './oids.js';

/** How {@link generateTimestampAuthorityChain} names and dates a new TSA. */
export interface TimestampChainOptions {
  /** Key type of the root and the leaf. Default `ecdsa-p256`. */
  keyType?: GeneratedKeyType;
  /** Issuance time. Default: now. */
  now?: Date;
  /** Validity of the root and the leaf, in days from `now`. Default 3650. */
  validityDays?: number;
  /** Subject organization. Default `signet`. */
  organization?: string;
  /** Leaf common name; the root is "<commonName> root". Default `signet-tsa`. */
  commonName?: string;
  randomBytes?: (size: number) => Buffer;
}

/** A new TSA: the leaf's private key and the chain [leaf, root] in DER. */
export interface GeneratedTimestampAuthority {
  readonly privateKey: KeyObject;
  readonly certificateChain: readonly Buffer[];
}

/** Clock skew a verifier may have: certificates start this much before issuance. */
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * Generates a TSA root CA and a timestamping leaf under it. The root's private key signs the
 * leaf and is then dropped: it is never returned or written, so a stolen data directory cannot
 * mint another TSA certificate under the same root (a new leaf means a new root and trust root).
 *
 * Root: CA, pathLen 0, keyCertSign/cRLSign. Leaf: not a CA, digitalSignature, critical extended
 * key usage id-kp-timeStamping only (RFC 3161 §2.3), key identifiers for path building.
 */
export function generateTimestampAuthorityChain(options: TimestampChainOptions = {}): GeneratedTimestampAuthority {
  const keyType = options.keyType ?? 'ecdsa-p256';
  const now = options.now ?? new Date();
  const days = options.validityDays ?? 3650;
  if (!Number.isFinite(days) || days <= 0) throw new RangeError('validityDays must be positive');
  const organization = options.organization ?? 'signet';
  const commonName = options.commonName ?? 'signet-tsa';
  const notBefore = new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
  const notAfter = new Date(Math.floor((now.getTime() + days * 86_400_000) / 1000) * 1000);

  const root = generateKeyPair(keyType);
  const rootName = distinguishedName({ organization, commonName: `${commonName} root` });
  const rootCert = issueCertificate({
    serialNumber: randomSerialNumber(options.randomBytes),
    subject: rootName,
    subjectKey: root.publicKey,
    notBefore,
    notAfter,
    extensions: [
      basicConstraintsExtension(true, 0),
      keyUsageExtension(['keyCertSign', 'cRLSign']),
      subjectKeyIdentifierExtension(root.publicKey),
    ],
  }, rootName, root.privateKey);

  const leaf = generateKeyPair(keyType);
  const leafCert = issueCertificate({
    serialNumber: randomSerialNumber(options.randomBytes),
    subject: distinguishedName({ organization, commonName }),
    subjectKey: leaf.publicKey,
    notBefore,
    notAfter,
    extensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(['digitalSignature']),
      extKeyUsageExtension([OIDS.timeStamping], true),
      subjectKeyIdentifierExtension(leaf.publicKey),
      authorityKeyIdentifierExtension(root.publicKey),
    ],
  }, rootName, root.privateKey);

  return { privateKey: leaf.privateKey, certificateChain: [leafCert, rootCert] };
}
