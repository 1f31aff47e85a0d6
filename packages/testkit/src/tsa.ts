import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import {
  authorityKeyIdentifierExtension, derRaw, derSequence, encodeAlgorithmIdentifier, encodeExplicit, encodeGeneralizedTime, encodeInteger,
  encodeOctetString, encodeOid, encodeSequence, encodeSetOf, encodeTime, encodeUnsignedInteger, extKeyUsageExtension, parseCertificate, parseDer,
  retagImplicit, signMessage, subjectKeyIdentifierExtension, OID, type HashName,
} from '@signet/core';
import {
  createRootCertificate, distinguishedName, generateKey, issueCertificate, keyUsage, type IssuedCertificate, type TestKeyType,
} from './certificates.js';

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
    ? { hash: 'sha384', signatureAlgorithm: OID.ecdsaWithSHA384 }
    : { hash: 'sha256', signatureAlgorithm: OID.ecdsaWithSHA256 };
}

function attribute(type: string, value: Buffer): Buffer {
  return encodeSequence(encodeOid(type), encodeSetOf(value));
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
  const digestAlgorithm = encodeAlgorithmIdentifier(hash === 'sha384' ? OID.sha384 : OID.sha256);
  const time = new Date(Math.floor(genTime.getTime() / 1000) * 1000);

  const tstInfo = encodeSequence(
    encodeInteger(1),
    encodeOid(options.policy ?? OID.sigstoreTimestampPolicy),
    encodeSequence(encodeAlgorithmIdentifier(OID.sha256), encodeOctetString(sha256(signedBytes))),
    encodeUnsignedInteger(options.serial ?? randomBytes(16)),
    encodeGeneralizedTime(time),
    ...(options.nonce ? [encodeUnsignedInteger(options.nonce)] : []),
  );

  // ESSCertIDv2 with the default hash (SHA-256, so omitted) and IssuerSerial { [4] directoryName, serial }.
  const essCertId = encodeSequence(encodeOctetString(sha256(tsaCert)), encodeSequence(encodeSequence(encodeExplicit(4, cert.issuerDer)), serialNumber));
  const attributes = [
    attribute(OID.contentType, encodeOid(OID.tstInfo)),
    attribute(OID.signingTime, encodeTime(time)),
    attribute(OID.messageDigest, encodeOctetString(createHash(hash).update(tstInfo).digest())),
    attribute(OID.signingCertificateV2, encodeSequence(encodeSequence(essCertId))),
  ];
  // RFC 5652 §5.4: the signature covers the DER SET OF; the SignerInfo stores it as [0] IMPLICIT.
  const signedAttrs = encodeSetOf(...attributes);
  const signature = signMessage(tsaKey, signedAttrs, { hash });
  const signerInfo = encodeSequence(
    encodeInteger(1),
    encodeSequence(cert.issuerDer, serialNumber),
    digestAlgorithm,
    retagImplicit(0, signedAttrs),
    encodeAlgorithmIdentifier(signatureAlgorithm),
    encodeOctetString(signature),
  );
  const signedData = encodeSequence(
    encodeInteger(3),
    encodeSetOf(digestAlgorithm),
    encodeSequence(encodeOid(OID.tstInfo), encodeExplicit(0, encodeOctetString(tstInfo))),
    encodeExplicit(0, tsaCert),
    encodeSetOf(signerInfo),
  );
  const token = encodeSequence(encodeOid(OID.signedData), encodeExplicit(0, signedData));
  return encodeSequence(encodeSequence(encodeInteger(0)), token);
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
    extensions: [keyUsage('digitalSignature'), subjectKeyIdentifierExtension(publicKey), authorityKeyIdentifierExtension(root.publicKey), extKeyUsageExtension([OID.timeStamping], true)],
  }, root, privateKey);
  return { root, leaf };
}
