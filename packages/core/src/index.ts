export { SignetError, CoreError, hasErrorCode, type CoreErrorCode } from './errors.js';
export { decodeBase64, encodeBase64, decodeHex, encodeHex, asBuffer, decodePem, encodePem, type PemBlock } from './encoding.js';
export {
  readDer, parseDer, derChildren, derSequence, derValue, derRaw, derOid, derSmallInteger, derIntegerBytes, derTime,
  expectTag, encodeDer, encodeDerLength, DerTag, type DerNode,
} from './der.js';
export { describeKey, importPublicKey, importPrivateKey, verifySignature, signMessage, type HashName, type KeyAlgorithm, type KeyDescription, type SignatureOptions } from './keys.js';
export { canonicalizeJSON } from './canonical-json.js';
export { preAuthEncoding } from './dsse.js';
export { digest, pooledDigest, sha256, digestFile } from './hash.js';
export { parseCertificate, parseGeneralNames, verifyCertificateSignature, isIssuedBy, decodeDerString, OID, type Certificate, type CertificateExtension, type GeneralName } from './x509.js';
export { signDigest, verifyDigest, verifyDigestWithSpki, digestSignatureBackend, type DigestSignatureOptions } from './digest-signature.js';
export { importCanonicalEcSpki, type NativeEcPublicKey } from './digest-signature.js';
export {
  encodeSequence, encodeSetOf, encodeOid, isDottedOid, encodeInteger, encodeUnsignedInteger, encodeBoolean, encodeNull, encodeOctetString,
  encodeBitString, encodeNamedBitString, encodeUtf8String, encodePrintableString, encodeIA5String, encodeExplicit, encodeImplicit, retagImplicit,
  encodeUtcTime, encodeGeneralizedTime, encodeTime, encodeAlgorithmIdentifier,
} from './der-writer.js';
export { KEY_USAGE_BITS, type KeyUsageName } from './x509.js';
export {
  encodeName, encodeExtension, basicConstraintsExtension, keyUsageExtension, extKeyUsageExtension, keyIdentifier, subjectKeyIdentifierExtension,
  authorityKeyIdentifierExtension, encodeGeneralName, subjectAltNameExtension, randomSerialNumber, certificateSignatureAlgorithm,
  encodeTBSCertificate, encodeCertificate, signTBSCertificate,
  type NameAttribute, type WritableGeneralName, type CertificateSignatureAlgorithm, type TBSCertificateFields,
} from './certificate-builder.js';
export {
  encodeUint8, encodeUint16, encodeUint24, encodeUint64, encodeVector16, encodeVector24, TLSReader, encodeSCTList, decodeSCTList,
} from './tls-encoding.js';
export { verifyEd25519ph, signEd25519ph } from './ed25519ph.js';
