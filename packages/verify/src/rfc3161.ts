import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CoreError, DerTag, derChildren, derIntegerBytes, derOid, derRaw, derSequence, derSmallInteger, derTime, derValue,
  describeKey, digest, expectTag, isIssuedBy, parseCertificate, parseDer, readDer, verifySignature, OID,
  type Certificate, type DerNode, type HashName, type SignatureOptions,
} from '@signet/core';
import { VerificationError, type VerificationErrorCode } from './errors.js';
import { isWithin, type CertificateAuthorityTrust } from './trust-material.js';

/*
 * RFC 3161 timestamps as Sigstore carries them.
 *
 * What a bundle holds: `verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp`
 * is the DER of the whole TimeStampResp the TSA answered (RFC 3161 §2.4.2: PKIStatusInfo, then
 * the TimeStampToken), not the bare token: every conformance vector starts `30 82 .. 30 03 02 01 00`
 * (status granted), and sigstore-js reads the status before the token. We accept both forms:
 * a TimeStampResp (status must be granted or grantedWithMods) and a bare TimeStampToken
 * (ContentInfo), told apart by the first element (a SEQUENCE vs an OBJECT IDENTIFIER).
 */

/** Largest token/response we parse (the public-good TSA's responses are ~1.3 KiB). */
export const MAX_TIMESTAMP_BYTES = 64 * 1024;
/** Most certificates a token may embed (RFC 5652 §5.1 `certificates`). */
export const MAX_EMBEDDED_CERTIFICATES = 10;
const MAX_SIGNED_ATTRIBUTES = 32;
const MAX_ALGORITHMS = 8;

/** RSASSA-PSS and its mask generation function (RFC 4055 §3.1), which only this reader meets. */
const RSA_PSS_OID = '1.2.840.113549.1.1.10';
const MGF1_OID = '1.2.840.113549.1.1.8';

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** Signature algorithms of a SignerInfo we accept, by OID (RFC 5754, RFC 4055, RFC 8419). */
const SIGNATURE_BY_OID: Readonly<Record<string, { scheme: SignatureScheme; hash?: HashName }>> = {
  [OID.ecdsaWithSHA256]: { scheme: 'ecdsa', hash: 'sha256' },
  [OID.ecdsaWithSHA384]: { scheme: 'ecdsa', hash: 'sha384' },
  [OID.ecdsaWithSHA512]: { scheme: 'ecdsa', hash: 'sha512' },
  [OID.ecPublicKey]: { scheme: 'ecdsa' },
  [OID.sha256WithRSAEncryption]: { scheme: 'rsa-pkcs1', hash: 'sha256' },
  [OID.sha384WithRSAEncryption]: { scheme: 'rsa-pkcs1', hash: 'sha384' },
  [OID.sha512WithRSAEncryption]: { scheme: 'rsa-pkcs1', hash: 'sha512' },
  [OID.rsaEncryption]: { scheme: 'rsa-pkcs1' },
  [RSA_PSS_OID]: { scheme: 'rsa-pss' },
  [OID.ed25519]: { scheme: 'ed25519' },
};

/** How a SignerInfo's signature is computed. */
export type SignatureScheme = 'ecdsa' | 'rsa-pkcs1' | 'rsa-pss' | 'ed25519';

/** TSTInfo accuracy (RFC 3161 §2.4.2); absent parts are zero. */
export interface TimestampAccuracy {
  readonly seconds: number;
  readonly millis: number;
  readonly micros: number;
}

/** The fields of a TSTInfo (RFC 3161 §2.4.2). */
export interface RFC3161Timestamp {
  /** genTime, truncated to milliseconds. */
  readonly genTime: Date;
  /** TSA policy OID. */
  readonly policy: string;
  /** serialNumber INTEGER content octets (two's complement, as encoded; may be negative in the wild). */
  readonly serialNumber: Buffer;
  /** messageImprint hash algorithm. */
  readonly hashAlgorithm: HashName;
  /** messageImprint hashedMessage. */
  readonly hashedMessage: Buffer;
  /** nonce INTEGER content octets, when present. */
  readonly nonce?: Buffer | undefined;
  readonly accuracy?: TimestampAccuracy | undefined;
  readonly ordering: boolean;
  /** DER of the `tsa` GeneralName, when present. A hint only (§2.4.2); never used for trust. */
  readonly tsaName?: Buffer | undefined;
}

/** Signer identifier (RFC 5652 §5.3). */
export type SignerIdentifier =
  | { readonly kind: 'issuerAndSerialNumber'; readonly issuer: Buffer; readonly serialNumber: Buffer }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyIdentifier: Buffer };

/** The ESS signing-certificate attribute (RFC 2634 §5.4 / RFC 5035 / RFC 5816): first ESSCertID(v2). */
export interface SigningCertificateId {
  readonly hashAlgorithm: HashName | 'sha1';
  readonly certHash: Buffer;
  /** IssuerSerial: the directoryName issuers (Name DER) and serial INTEGER octets, when present. */
  readonly issuerSerial?: { readonly issuers: readonly Buffer[]; readonly serialNumber: Buffer } | undefined;
}

/** The one SignerInfo of a timestamp token (RFC 5652 §5.3). */
export interface TimestampSignerInfo {
  readonly sid: SignerIdentifier;
  readonly digestAlgorithm: HashName;
  readonly signatureScheme: SignatureScheme;
  /** Hash named by signatureAlgorithm (or its PSS parameters); falls back to `digestAlgorithm`. */
  readonly signatureHash: HashName;
  /** The signedAttrs TLV as encoded (tag [0] IMPLICIT); signed as a SET OF (tag 0x31). */
  readonly signedAttributes: Buffer;
  /** Value of the content-type attribute. */
  readonly contentType: string;
  /** Value of the message-digest attribute. */
  readonly messageDigest: Buffer;
  readonly signingCertificate: SigningCertificateId;
  readonly signature: Buffer;
}

/** A parsed TimeStampToken: TSTInfo, its raw bytes, the signer and any embedded certificates. */
export interface ParsedTimestampToken {
  readonly timestamp: RFC3161Timestamp;
  /** PKIStatus of the TimeStampResp, when the input was a response (0 granted, 1 grantedWithMods). */
  readonly status?: number | undefined;
  /** The DER TSTInfo (eContent octets): what the message-digest attribute covers. */
  readonly tstInfo: Buffer;
  readonly signer: TimestampSignerInfo;
  /** Certificates embedded in SignedData `certificates` (X.509 only; other choices are skipped). */
  readonly certificates: readonly Certificate[];
}

function fail(code: VerificationErrorCode, message: string, cause?: unknown): never {
  throw new VerificationError(code, message, cause === undefined ? undefined : { cause });
}

function malformed(message: string): never {
  fail('ERR_VERIFY_TIMESTAMP_FORMAT', message);
}

function hashOf(algorithm: DerNode, what: string): HashName {
  const [oidNode, params, extra] = derSequence(algorithm, what);
  const oid = derOid(oidNode ?? malformed(`${what}: empty AlgorithmIdentifier`));
  // RFC 5754 §2: parameters absent (preferred) or NULL.
  if (extra || (params && (params.tag !== DerTag.NULL || params.end !== params.contentStart))) malformed(`${what}: unexpected parameters`);
  const hash = HASH_BY_OID[oid];
  if (!hash) malformed(`${what}: unsupported hash algorithm ${oid}`);
  return hash;
}

/**
 * Parses a DER TimeStampResp or TimeStampToken (RFC 3161 §2.4.2, RFC 5652 §5) strictly,
 * without verifying anything.
 * @throws VerificationError `ERR_VERIFY_TIMESTAMP_FORMAT`
 */
export function parseRFC3161Timestamp(bytes: Uint8Array): ParsedTimestampToken {
  if (bytes.byteLength > MAX_TIMESTAMP_BYTES) malformed(`timestamp is larger than ${MAX_TIMESTAMP_BYTES} bytes`);
  try {
    return parseToken(bytes);
  } catch (cause) {
    if (cause instanceof VerificationError) throw cause;
    if (cause instanceof CoreError) fail('ERR_VERIFY_TIMESTAMP_FORMAT', `malformed timestamp: ${cause.message}`, cause);
    throw cause;
  }
}

function parseToken(bytes: Uint8Array): ParsedTimestampToken {
  const root = parseDer(bytes);
  const top = derSequence(root, 'TimeStampResp/TimeStampToken');
  let contentInfo = root;
  let status: number | undefined;
  if (top[0]?.tag === DerTag.SEQUENCE) {
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
    if (top.length !== 2) malformed(top.length < 2 ? 'TimeStampResp carries no token' : 'TimeStampResp has trailing fields');
    const [statusNode] = derSequence(top[0], 'PKIStatusInfo');
    status = derSmallInteger(statusNode ?? malformed('empty PKIStatusInfo'));
    if (status !== 0 && status !== 1) malformed(`TimeStampResp status ${status} is not granted`);
    contentInfo = top[1] as DerNode;
  }
  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
  const ci = derSequence(contentInfo, 'ContentInfo');
  if (ci.length !== 2) malformed('ContentInfo must have contentType and content');
  if (derOid(ci[0] as DerNode) !== OID.signedData) malformed('ContentInfo is not id-signedData');
  const explicit = derChildren(expectTag(ci[1] as DerNode, 0xa0, 'ContentInfo content'));
  if (explicit.length !== 1) malformed('ContentInfo content must hold one SignedData');

  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, certificates [0] IMPLICIT OPTIONAL,
  //   crls [1] IMPLICIT OPTIONAL, signerInfos SET }
  const sd = derSequence(explicit[0] as DerNode, 'SignedData');
  let i = 0;
  const version = derSmallInteger(sd[i++] ?? malformed('empty SignedData'));
  // RFC 5652 §5.1: 3 when eContentType is not id-data (4/5 need attribute/other certificates).
  if (version !== 3 && version !== 1) malformed(`unsupported SignedData version ${version}`);
  const digestAlgorithms = derChildren(expectTag(sd[i++] ?? malformed('missing digestAlgorithms'), DerTag.SET, 'digestAlgorithms'), MAX_ALGORITHMS);
  for (const a of digestAlgorithms) hashOf(a, 'digestAlgorithms');
  const encap = derSequence(sd[i++] ?? malformed('missing encapContentInfo'), 'EncapsulatedContentInfo');
  if (encap.length !== 2) malformed('EncapsulatedContentInfo must carry eContent');
  if (derOid(encap[0] as DerNode) !== OID.tstInfo) malformed('eContentType is not id-ct-TSTInfo');
  const eContentWrap = derChildren(expectTag(encap[1] as DerNode, 0xa0, 'eContent'));
  if (eContentWrap.length !== 1) malformed('eContent must hold one OCTET STRING');
  const tstInfo = derValue(expectTag(eContentWrap[0] as DerNode, DerTag.OCTET_STRING, 'eContent'));

  const certificates: Certificate[] = [];
  if (sd[i]?.tag === 0xa0) {
    for (const choice of derChildren(sd[i++] as DerNode, MAX_EMBEDDED_CERTIFICATES)) {
      // CertificateChoices: only the plain X.509 Certificate can identify the signer.
      if (choice.tag === DerTag.SEQUENCE) certificates.push(parseCertificate(derRaw(choice)));
    }
  }
  if (sd[i]?.tag === 0xa1) i++; // crls: revocation is not part of Sigstore verification
  const signerInfos = derChildren(expectTag(sd[i++] ?? malformed('missing signerInfos'), DerTag.SET, 'signerInfos'), 2);
  if (i !== sd.length) malformed('trailing fields in SignedData');
  // RFC 3161 §2.4.2: the token is signed by the TSA alone.
  if (signerInfos.length !== 1) malformed(`expected exactly one SignerInfo, got ${signerInfos.length}`);

  return { timestamp: parseTSTInfo(tstInfo), status, tstInfo, signer: parseSignerInfo(signerInfos[0] as DerNode), certificates };
}

function parseTSTInfo(der: Buffer): RFC3161Timestamp {
  const f = derSequence(parseDer(der), 'TSTInfo');
  let i = 0;
  if (derSmallInteger(f[i++] ?? malformed('empty TSTInfo')) !== 1) malformed('TSTInfo version must be 1');
  const policy = derOid(f[i++] ?? malformed('TSTInfo without policy'));
  const imprint = derSequence(f[i++] ?? malformed('TSTInfo without messageImprint'), 'MessageImprint');
  if (imprint.length !== 2) malformed('MessageImprint must have hashAlgorithm and hashedMessage');
  const hashAlgorithm = hashOf(imprint[0] as DerNode, 'messageImprint');
  const hashedMessage = derValue(expectTag(imprint[1] as DerNode, DerTag.OCTET_STRING, 'hashedMessage'));
  if (hashedMessage.length !== HASH_LENGTH[hashAlgorithm]) malformed('hashedMessage length does not match its algorithm');
  const serialNumber = derIntegerBytes(f[i++] ?? malformed('TSTInfo without serialNumber'));
  const genTimeNode = expectTag(f[i++] ?? malformed('TSTInfo without genTime'), DerTag.GENERALIZED_TIME, 'genTime');
  const genTime = derTime(genTimeNode);
  let accuracy: TimestampAccuracy | undefined;
  if (f[i]?.tag === DerTag.SEQUENCE) accuracy = parseAccuracy(f[i++] as DerNode);
  let ordering = false;
  if (f[i]?.tag === DerTag.BOOLEAN) {
    const v = derValue(f[i++] as DerNode);
    // DER: TRUE is 0xff, and a DEFAULT FALSE value is omitted rather than encoded.
    if (v.length !== 1 || v[0] !== 0xff) malformed('bad TSTInfo ordering');
    ordering = true;
  }
  let nonce: Buffer | undefined;
  if (f[i]?.tag === DerTag.INTEGER) nonce = derIntegerBytes(f[i++] as DerNode);
  let tsaName: Buffer | undefined;
  if (f[i]?.tag === 0xa0) {
    const [gn, extra] = derChildren(f[i++] as DerNode);
    if (!gn || extra) malformed('TSTInfo tsa must hold one GeneralName');
    tsaName = derRaw(gn);
  }
  if (f[i]?.tag === 0xa1) {
    // Extensions: nothing is defined for TSTInfo that we understand, so a critical one is fatal.
    for (const ext of derChildren(f[i++] as DerNode, 32)) {
      const parts = derSequence(ext, 'TSTInfo extension');
      derOid(parts[0] ?? malformed('empty TSTInfo extension'));
      if (parts[1]?.tag === DerTag.BOOLEAN && derValue(parts[1])[0] === 0xff) malformed('unsupported critical TSTInfo extension');
    }
  }
  if (i !== f.length) malformed('trailing fields in TSTInfo');
  return { genTime, policy, serialNumber, hashAlgorithm, hashedMessage, nonce, accuracy, ordering, tsaName };
}

function parseAccuracy(node: DerNode): TimestampAccuracy {
  let seconds = 0;
  let millis = 0;
  let micros = 0;
  for (const part of derChildren(node, 3)) {
    if (part.tag === DerTag.INTEGER) seconds = derSmallInteger(part);
    else if (part.tag === 0x80 || part.tag === 0x81) {
      // [0]/[1] IMPLICIT INTEGER (1..999): read as an INTEGER by swapping the tag.
      const n = derSmallInteger({ ...part, tag: DerTag.INTEGER });
      if (n < 1 || n > 999) malformed('accuracy millis/micros out of range');
      if (part.tag === 0x80) millis = n;
      else micros = n;
    } else malformed('bad Accuracy');
  }
  return { seconds, millis, micros };
}

function parseSignerInfo(node: DerNode): TimestampSignerInfo {
  // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
  //   signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
  const f = derSequence(node, 'SignerInfo');
  let i = 0;
  const version = derSmallInteger(f[i++] ?? malformed('empty SignerInfo'));
  const sidNode = f[i++] ?? malformed('SignerInfo without sid');
  let sid: SignerIdentifier;
  if (sidNode.tag === DerTag.SEQUENCE) {
    const [issuer, serial, extra] = derChildren(sidNode);
    if (!issuer || !serial || extra) malformed('bad IssuerAndSerialNumber');
    expectTag(issuer, DerTag.SEQUENCE, 'sid issuer');
    sid = { kind: 'issuerAndSerialNumber', issuer: derRaw(issuer), serialNumber: derIntegerBytes(serial) };
    if (version !== 1) malformed('SignerInfo version must be 1 with issuerAndSerialNumber');
  } else if (sidNode.tag === 0x80) {
    sid = { kind: 'subjectKeyIdentifier', keyIdentifier: derValue(sidNode) };
    if (version !== 3) malformed('SignerInfo version must be 3 with subjectKeyIdentifier');
  } else {
    malformed('bad SignerIdentifier');
  }
  const digestAlgorithm = hashOf(f[i++] ?? malformed('SignerInfo without digestAlgorithm'), 'SignerInfo digestAlgorithm');
  // RFC 5652 §5.3: signedAttrs MUST be present when eContentType is not id-data.
  const attrsNode = f[i]?.tag === 0xa0 ? (f[i++] as DerNode) : malformed('SignerInfo has no signed attributes');
  const { signatureScheme, signatureHash } = parseSignatureAlgorithm(f[i++] ?? malformed('SignerInfo without signatureAlgorithm'), digestAlgorithm);
  const signature = derValue(expectTag(f[i++] ?? malformed('SignerInfo without signature'), DerTag.OCTET_STRING, 'signature'));
  if (f[i]?.tag === 0xa1) i++; // unsignedAttrs are not covered by the signature and not used
  if (i !== f.length) malformed('trailing fields in SignerInfo');

  const attrs = new Map<string, DerNode[]>();
  for (const attr of derChildren(attrsNode, MAX_SIGNED_ATTRIBUTES)) {
    const [typeNode, values, extra] = derSequence(attr, 'Attribute');
    if (!typeNode || !values || extra) malformed('bad Attribute');
    const type = derOid(typeNode);
    // RFC 5652 §5.3 / RFC 2634 §5.4: each of the attributes we rely on appears once, single-valued.
    if (attrs.has(type)) malformed(`duplicate signed attribute ${type}`);
    attrs.set(type, derChildren(expectTag(values, DerTag.SET, 'attrValues'), 8));
  }
  const single = (oid: string, name: string): DerNode => {
    const v = attrs.get(oid);
    if (!v) malformed(`missing signed attribute ${name}`);
    if (v.length !== 1) malformed(`signed attribute ${name} must have exactly one value`);
    return v[0] as DerNode;
  };
  const contentType = derOid(single(OID.contentType, 'content-type'));
  const messageDigest = derValue(expectTag(single(OID.messageDigest, 'message-digest'), DerTag.OCTET_STRING, 'message-digest'));
  // RFC 3161 §2.4.1 requires the ESS signing-certificate attribute; RFC 5816 allows the v2 form.
  let signingCertificate: SigningCertificateId;
  if (attrs.has(OID.signingCertificateV2)) {
    signingCertificate = parseSigningCertificate(single(OID.signingCertificateV2, 'signingCertificateV2'), true);
  } else if (attrs.has(OID.signingCertificate)) {
    signingCertificate = parseSigningCertificate(single(OID.signingCertificate, 'signingCertificate'), false);
  } else {
    malformed('missing signed attribute signingCertificate(V2)');
  }
  return { sid, digestAlgorithm, signatureScheme, signatureHash, signedAttributes: derRaw(attrsNode), contentType, messageDigest, signingCertificate, signature };
}

function parseSignatureAlgorithm(node: DerNode, digestAlgorithm: HashName): { signatureScheme: SignatureScheme; signatureHash: HashName } {
  const [oidNode, params, extra] = derSequence(node, 'signatureAlgorithm');
  const oid = derOid(oidNode ?? malformed('empty signatureAlgorithm'));
  const known = SIGNATURE_BY_OID[oid];
  if (!known || extra) malformed(`unsupported signature algorithm ${oid}`);
  if (known.scheme === 'rsa-pss') {
    return { signatureScheme: 'rsa-pss', signatureHash: parsePssParams(params ?? malformed('RSASSA-PSS without parameters')) };
  }
  // ECDSA and Ed25519 identifiers carry no parameters; the RSA ones carry NULL (RFC 4055 §5).
  if (params && !(params.tag === DerTag.NULL && params.end === params.contentStart && known.scheme === 'rsa-pkcs1')) {
    malformed(`unexpected parameters for signature algorithm ${oid}`);
  }
  return { signatureScheme: known.scheme, signatureHash: known.hash ?? digestAlgorithm };
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1). `@signet/core` verifies PSS with MGF1 over the same hash and
 * a salt as long as the hash, so we accept exactly that (what every SHA-2 PSS signer emits).
 */
function parsePssParams(node: DerNode): HashName {
  let hash: HashName | undefined;
  let mgfHash: HashName | undefined;
  let salt = 20;
  for (const p of derSequence(node, 'RSASSA-PSS-params')) {
    const [inner, extra] = derChildren(p);
    if (!inner || extra) malformed('bad RSASSA-PSS-params');
    if (p.tag === 0xa0) hash = hashOf(inner, 'PSS hashAlgorithm');
    else if (p.tag === 0xa1) {
      const [mgfOid, mgfParams, more] = derSequence(inner, 'PSS maskGenAlgorithm');
      if (!mgfOid || !mgfParams || more || derOid(mgfOid) !== MGF1_OID) malformed('PSS mask generation must be MGF1');
      mgfHash = hashOf(mgfParams, 'MGF1 hash');
    } else if (p.tag === 0xa2) salt = derSmallInteger(inner);
    else if (p.tag === 0xa3) {
      if (derSmallInteger(inner) !== 1) malformed('PSS trailerField must be 1');
    } else malformed('bad RSASSA-PSS-params');
  }
  // Defaults are SHA-1, which we do not accept.
  if (!hash || mgfHash !== hash) malformed('PSS must use one SHA-2 hash for the digest and MGF1');
  if (salt !== HASH_LENGTH[hash]) malformed('PSS salt length must equal the hash length');
  return hash;
}

function parseSigningCertificate(value: DerNode, v2: boolean): SigningCertificateId {
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
  const [certs] = derSequence(value, 'SigningCertificate');
  const [first] = derSequence(certs ?? malformed('empty SigningCertificate'), 'SigningCertificate certs');
  // RFC 5035 §3: the first ESSCertID identifies the signer's certificate.
  const parts = derSequence(first ?? malformed('SigningCertificate lists no certificate'), 'ESSCertID');
  let i = 0;
  let hashAlgorithm: HashName | 'sha1' = v2 ? 'sha256' : 'sha1';
  if (v2 && parts[i]?.tag === DerTag.SEQUENCE) hashAlgorithm = hashOf(parts[i++] as DerNode, 'ESSCertIDv2 hashAlgorithm');
  const certHash = derValue(expectTag(parts[i++] ?? malformed('ESSCertID without certHash'), DerTag.OCTET_STRING, 'certHash'));
  if (certHash.length !== (hashAlgorithm === 'sha1' ? 20 : HASH_LENGTH[hashAlgorithm])) malformed('certHash length does not match its algorithm');
  let issuerSerial: SigningCertificateId['issuerSerial'];
  if (parts[i]) {
    // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
    const [names, serial, extra] = derSequence(parts[i++] as DerNode, 'IssuerSerial');
    if (!names || !serial || extra) malformed('bad IssuerSerial');
    const issuers: Buffer[] = [];
    for (const gn of derSequence(names, 'IssuerSerial issuer')) {
      if (gn.tag !== 0xa4) continue; // only directoryName can be compared with a certificate's issuer
      const [name, more] = derChildren(gn);
      if (!name || more) malformed('bad directoryName');
      issuers.push(derRaw(expectTag(name, DerTag.SEQUENCE, 'directoryName')));
    }
    issuerSerial = { issuers, serialNumber: derIntegerBytes(serial) };
  }
  if (i !== parts.length) malformed('trailing fields in ESSCertID');
  return { hashAlgorithm, certHash, issuerSerial };
}

/** The certificate's serialNumber INTEGER content octets, read from its TBSCertificate. */
function serialOctets(cert: Certificate): Buffer {
  const tbs = readDer(cert.tbs);
  let node = readDer(cert.tbs, tbs.contentStart, tbs.end);
  if (node.tag === 0xa0) node = readDer(cert.tbs, node.end, tbs.end); // [0] EXPLICIT version
  return derIntegerBytes(node);
}

function subjectKeyIdentifier(cert: Certificate): Buffer | undefined {
  const ext = cert.extension(OID.subjectKeyIdentifier);
  return ext ? derValue(expectTag(parseDer(ext.value), DerTag.OCTET_STRING, 'SubjectKeyIdentifier')) : undefined;
}

function matchesSid(cert: Certificate, sid: SignerIdentifier): boolean {
  try {
    if (sid.kind === 'issuerAndSerialNumber') return cert.issuerDer.equals(sid.issuer) && serialOctets(cert).equals(sid.serialNumber);
    return subjectKeyIdentifier(cert)?.equals(sid.keyIdentifier) ?? false;
  } catch {
    return false; // a certificate we cannot read cannot be the signer
  }
}

function equalDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks the signature of the SignerInfo with `cert`'s key and that the ESS signing-certificate
 * attribute names `cert`. Returns a reason on failure.
 */
function checkSigner(token: ParsedTimestampToken, cert: Certificate): string | undefined {
  const s = token.signer;
  const ess = s.signingCertificate;
  const certHash = ess.hashAlgorithm === 'sha1' ? createHash('sha1').update(cert.der).digest() : digest(ess.hashAlgorithm, cert.der);
  if (!equalDigest(certHash, ess.certHash)) return 'signing-certificate attribute does not name the signing certificate';
  if (ess.issuerSerial) {
    if (!serialOctets(cert).equals(ess.issuerSerial.serialNumber)) return 'signing-certificate attribute names another serial number';
    if (ess.issuerSerial.issuers.length > 0 && !ess.issuerSerial.issuers.some((n) => n.equals(cert.issuerDer))) {
      return 'signing-certificate attribute names another issuer';
    }
  }
  let key;
  try {
    key = describeKey(cert.publicKey);
  } catch {
    return 'signing certificate has an unsupported key';
  }
  const opts: SignatureOptions = { hash: s.signatureHash };
  switch (s.signatureScheme) {
    case 'ecdsa':
      if (!key.algorithm.startsWith('ecdsa-')) return 'signature algorithm does not match the signing key';
      break;
    case 'ed25519':
      if (key.algorithm !== 'ed25519') return 'signature algorithm does not match the signing key';
      break;
    case 'rsa-pkcs1':
    case 'rsa-pss':
      if (key.algorithm !== 'rsa') return 'signature algorithm does not match the signing key';
      opts.rsaPadding = s.signatureScheme === 'rsa-pss' ? 'pss' : 'pkcs1';
      break;
  }
  // RFC 5652 §5.4: the signature covers the DER of signedAttrs with the EXPLICIT SET OF tag (0x31),
  // not the [0] IMPLICIT tag it is stored with.
  const signed = Buffer.allocUnsafe(s.signedAttributes.length);
  s.signedAttributes.copy(signed);
  signed[0] = DerTag.SET;
  return verifySignature(cert.publicKey, signed, s.signature, opts) ? undefined : 'CMS signature does not verify';
}

/**
 * The certification path of `signer` within `authority`: the authority's chain itself when its
 * first certificate is the signer, or the signer followed by the chain when the chain starts
 * with the signer's issuing CA (a trusted root listing only CA certificates).
 */
function pathFor(signer: Certificate, authority: CertificateAuthorityTrust): readonly Certificate[] | string {
  const chain = authority.certificates;
  const first = chain[0];
  if (!first) return 'authority has no certificates';
  if (first.der.equals(signer.der)) return chain;
  if (first.isCA && signer.issuerDer.equals(first.subjectDer)) return [signer, ...chain];
  return 'signing certificate is not the authority\'s leaf nor issued by its chain';
}

/** Checks a path at `time`: links, CA flags, the leaf's EKU (RFC 3161 §2.3) and validity windows. */
function checkPath(path: readonly Certificate[], authority: CertificateAuthorityTrust, time: Date): string | undefined {
  const leaf = path[0] as Certificate;
  // RFC 3161 §2.3: exactly one KeyPurposeId, id-kp-timeStamping, in a critical extension.
  const eku = leaf.extension(OID.extKeyUsage);
  if (!eku || !eku.critical || leaf.extKeyUsage.length !== 1 || leaf.extKeyUsage[0] !== OID.timeStamping) {
    return 'TSA certificate lacks a critical, timeStamping-only extended key usage';
  }
  for (let i = 0; i + 1 < path.length; i++) {
    const child = path[i] as Certificate;
    const issuer = path[i + 1] as Certificate;
    if (!issuer.isCA) return `chain certificate ${i + 1} is not a CA`;
    // An EKU on a CA constrains what it may issue for (as Go's and OpenSSL's verifiers treat it).
    if (issuer.extKeyUsage.length > 0 && !issuer.extKeyUsage.some((o) => o === OID.timeStamping || o === '2.5.29.37.0')) {
      return `chain certificate ${i + 1} is not allowed to issue timestamping certificates`;
    }
    if (!isIssuedBy(child, issuer)) {
      return `chain certificate ${i} is not signed by certificate ${i + 1}`;
    }
  }
  const t = time.getTime();
  for (const [i, c] of path.entries()) {
    if (t < c.notBefore.getTime() || t > c.notAfter.getTime()) return `genTime is outside the validity of chain certificate ${i}`;
  }
  if (!isWithin(authority.validFor, time)) return 'genTime is outside the authority\'s validity window';
  return undefined;
}

/** Result of a verified timestamp. */
export interface TimestampVerification {
  /** genTime of the token: the time at which `signedBytes` existed. */
  readonly time: Date;
  /** The timestamp authority whose chain vouches for the token. */
  readonly authority: CertificateAuthorityTrust;
  readonly timestamp: RFC3161Timestamp;
}

/**
 * Verifies an RFC 3161 timestamp (a TimeStampResp or a bare TimeStampToken) over `signedBytes`
 * (in Sigstore, the bundle's signature bytes) against the trusted timestamp authorities:
 * 1. parse strictly (RFC 3161 §2.4.2, RFC 5652 §5), size and count caps;
 * 2. messageImprint = hash(signedBytes) (constant-time compare);
 * 3. content-type attribute = id-ct-TSTInfo, message-digest attribute = hash(TSTInfo) (RFC 5652 §5.4);
 * 4. signer certificate chosen by `sid` among the embedded certificates, else among the
 *    authorities' leaf certificates; the ESS signing-certificate attribute must name it
 *    (RFC 2634 §5.4, RFC 5816) and the signature over the signed attributes must verify;
 * 5. for some authority: the signer is its leaf (byte-equal) or is issued by its chain; every
 *    link verifies; the leaf has the critical timeStamping-only EKU (RFC 3161 §2.3); genTime lies
 *    in every path certificate's validity and in the authority's `validFor`.
 * @throws VerificationError `ERR_VERIFY_TIMESTAMP_FORMAT` (malformed), `ERR_VERIFY_TIMESTAMP_IMPRINT`
 *   (another message), `ERR_VERIFY_TIMESTAMP_SIGNATURE` (CMS signature or signed attributes),
 *   `ERR_VERIFY_TIMESTAMP_UNTRUSTED` (no trusted authority, chain, EKU or window)
 */
export function verifyRFC3161Timestamp(token: Uint8Array, signedBytes: Uint8Array, authorities: readonly CertificateAuthorityTrust[]): TimestampVerification {
  const parsed = parseRFC3161Timestamp(token);
  const ts = parsed.timestamp;
  if (!equalDigest(digest(ts.hashAlgorithm, signedBytes), ts.hashedMessage)) {
    fail('ERR_VERIFY_TIMESTAMP_IMPRINT', 'timestamp messageImprint does not match the signed bytes');
  }
  const s = parsed.signer;
  if (s.contentType !== OID.tstInfo) fail('ERR_VERIFY_TIMESTAMP_SIGNATURE', 'content-type attribute is not id-ct-TSTInfo');
  if (!equalDigest(digest(s.digestAlgorithm, parsed.tstInfo), s.messageDigest)) {
    fail('ERR_VERIFY_TIMESTAMP_SIGNATURE', 'message-digest attribute does not match the TSTInfo');
  }

  // The signer: an embedded certificate when the token carries one, else an authority's leaf.
  let candidates = parsed.certificates.filter((c) => matchesSid(c, s.sid));
  if (candidates.length === 0) {
    candidates = authorities.map((a) => a.certificates[0]).filter((c): c is Certificate => c !== undefined && matchesSid(c, s.sid));
  }
  if (candidates.length === 0) fail('ERR_VERIFY_TIMESTAMP_UNTRUSTED', 'no embedded or trusted certificate matches the timestamp signer');
  const signers: Certificate[] = [];
  let signatureProblem: string | undefined;
  for (const c of candidates) {
    if (signers.some((x) => x.der.equals(c.der))) continue;
    const problem = checkSigner(parsed, c);
    if (problem === undefined) signers.push(c);
    else signatureProblem ??= problem;
  }
  if (signers.length === 0) fail('ERR_VERIFY_TIMESTAMP_SIGNATURE', signatureProblem ?? 'CMS signature does not verify');

  let trustProblem = 'no timestamp authority vouches for the signing certificate';
  for (const authority of authorities) {
    for (const signer of signers) {
      const path = pathFor(signer, authority);
      const problem = typeof path === 'string' ? path : checkPath(path, authority, ts.genTime);
      if (problem === undefined) return { time: ts.genTime, authority, timestamp: ts };
      // Prefer the reason from an authority whose chain did contain the signer.
      if (typeof path !== 'string' || trustProblem.startsWith('no timestamp')) trustProblem = problem;
    }
  }
  fail('ERR_VERIFY_TIMESTAMP_UNTRUSTED', trustProblem);
}
