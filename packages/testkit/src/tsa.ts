import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { derRaw, derSequence, parseCertificate, parseDer, signMessage, type HashName } from '@signet/core';
import {
  algorithm, contextConstructed, integer, octetString, oid, sequence, setOf, unsignedInteger, generalizedTime, utcTime,
} from './der-builder.js';
import {
  authorityKeyIdentifier, createRootCertificate, distinguishedName, extendedKeyUsage, generateKey, issueCertificate,
  keyUsage, subjectKeyIdentifier, type IssuedCertificate, type TestKeyType,
} from './certificates.js';

const OIDS = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  /** The policy Sigstore's timestamp-authority writes. */
  sigstorePolicy: '1.3.6.1.4.1.57264.2',
} as const;

/** Optional TSTInfo fields of {@link createTimestampToken}. */
export interface TimestampTokenOptions {
  /** TSTInfo serialNumber magnitude; default 16 random bytes. */
  serial?: Buffer;
  /** TSA policy OID; default Sigstore's 1.3.6.1.4.1.57264.2. */
  policy?: string;
  /** Nonce magnitude (RFC 3161 §2.4.2), when the request carried one. */
  nonce?: Buffer;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The signer's hash and signature algorithm: SHA-384 for P-384 keys, SHA-256 otherwise (RFC 5753 §2.1.1). */
function scheme(key: KeyObject): { hash: HashName; signatureAlgorithm: string } {
  return key.asymmetricKeyDetails?.namedCurve === 'secp384r1'
    ? { hash: 'sha384', signatureAlgorithm: OIDS.ecdsaWithSHA384 }
    : { hash: 'sha256', signatureAlgorithm: OIDS.ecdsaWithSHA256 };
}

function attribute(type: string, value: Buffer): Buffer {
  return sequence(oid(type), setOf(value));
}

/**
 * A granted RFC 3161 TimeStampResp (§2.4.2) over `signedBytes`, as Sigstore bundles carry it in
 * `rfc3161Timestamps[].signedTimestamp`:
 * - TSTInfo: version 1, policy, messageImprint = SHA-256(signedBytes), serial, genTime (whole
 *   seconds), optional nonce;
 * - CMS SignedData v3 (RFC 5652 §5) with eContentType id-ct-TSTInfo, the TSA certificate embedded,
 *   one SignerInfo identified by issuerAndSerialNumber, signed attributes content-type,
 *   signing-time, message-digest and ESS signing-certificate-v2 (RFC 5816, SHA-256 certHash with
 *   IssuerSerial), and an ECDSA signature over the DER SET OF those attributes (§5.4).
 */
export function createTimestampToken(signedBytes: Uint8Array, tsaKey: KeyObject, tsaCert: Buffer, genTime: Date, options: TimestampTokenOptions = {}): Buffer {
  const cert = parseCertificate(tsaCert);
  const tbsFields = derSequence(parseDer(cert.tbs), 'TBSCertificate');
  const serialNumber = derRaw(tbsFields[0]?.tag === 0xa0 ? tbsFields[1]! : tbsFields[0]!);
  const { hash, signatureAlgorithm } = scheme(tsaKey);
  const digestAlgorithm = algorithm(hash === 'sha384' ? OIDS.sha384 : OIDS.sha256);
  const time = new Date(Math.floor(genTime.getTime() / 1000) * 1000);

  const tstInfo = sequence(
    integer(1),
    oid(options.policy ?? OIDS.sigstorePolicy),
    sequence(algorithm(OIDS.sha256), octetString(sha256(signedBytes))),
    unsignedInteger(options.serial ?? randomBytes(16)),
    generalizedTime(time),
    ...(options.nonce ? [unsignedInteger(options.nonce)] : []),
  );

  // ESSCertIDv2 with the default hash (SHA-256, so omitted) and IssuerSerial { [4] directoryName, serial }.
  const essCertId = sequence(octetString(sha256(tsaCert)), sequence(sequence(contextConstructed(4, cert.issuerDer)), serialNumber));
  const attributes = [
    attribute(OIDS.contentType, oid(OIDS.tstInfo)),
    attribute(OIDS.signingTime, utcTime(time)),
    attribute(OIDS.messageDigest, octetString(createHash(hash).update(tstInfo).digest())),
    attribute(OIDS.signingCertificateV2, sequence(sequence(essCertId))),
  ];
  // RFC 5652 §5.4: the signature covers the DER SET OF; the SignerInfo stores it as [0] IMPLICIT.
  const signedAttrs = setOf(...attributes);
  const signature = signMessage(tsaKey, signedAttrs, { hash });
  const signerInfo = sequence(
    integer(1),
    sequence(cert.issuerDer, serialNumber),
    digestAlgorithm,
    Buffer.concat([Buffer.of(0xa0), signedAttrs.subarray(1)]),
    algorithm(signatureAlgorithm),
    octetString(signature),
  );
  const signedData = sequence(
    integer(3),
    setOf(digestAlgorithm),
    sequence(oid(OIDS.tstInfo), contextConstructed(0, octetString(tstInfo))),
    contextConstructed(0, tsaCert),
    setOf(signerInfo),
  );
  const token = sequence(oid(OIDS.signedData), contextConstructed(0, signedData));
  return sequence(sequence(integer(0)), token);
}

/** A TSA root and its timestamping leaf (critical timeStamping-only EKU, RFC 3161 §2.3). */
export interface TimestampAuthorityChain {
  readonly root: IssuedCertificate;
  readonly leaf: IssuedCertificate;
}

/** Creates a TSA root and leaf valid over [notBefore, notAfter]. */
export function createTimestampAuthority(opts: { keyType: TestKeyType; notBefore: Date; notAfter: Date }): TimestampAuthorityChain {
  const root = createRootCertificate({ keyType: opts.keyType, organization: 'signet.test', commonName: 'signet-test-tsa-root', notBefore: opts.notBefore, notAfter: opts.notAfter });
  const { privateKey, publicKey } = generateKey('ecdsa-p256');
  const leaf = issueCertificate({
    subject: distinguishedName('signet.test', 'signet-test-tsa'),
    publicKey,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    extensions: [keyUsage('digitalSignature'), subjectKeyIdentifier(publicKey), authorityKeyIdentifier(root.publicKey), extendedKeyUsage([OIDS.timeStamping], true)],
  }, root, privateKey);
  return { root, leaf };
}
