export { SignetError, CoreError, hasErrorCode, type CoreErrorCode } from './errors.js';
export { decodeBase64, encodeBase64, decodeHex, encodeHex, asBuffer, decodePem, encodePem, type PemBlock } from './encoding.js';
export {
  readDer, parseDer, derChildren, derSequence, derValue, derRaw, derOid, derSmallInteger, derIntegerBytes, derTime,
  expectTag, encodeDer, encodeDerLength, DerTag, type DerNode,
} from './der.js';
export { describeKey, importPublicKey, importPrivateKey, verifySignature, signMessage, type HashName, type KeyAlgorithm, type KeyDescription, type SignatureOptions } from './keys.js';
export { canonicalizeJSON } from './canonical-json.js';
export { preAuthEncoding } from './dsse.js';
export { digest, sha256, digestFile } from './hash.js';
export { parseCertificate, parseGeneralNames, verifyCertificateSignature, isIssuedBy, decodeDerString, OID, type Certificate, type CertificateExtension, type GeneralName } from './x509.js';
export { signDigest, verifyDigest, verifyDigestWithSpki, digestSignatureBackend, type DigestSignatureOptions } from './digest-signature.js';
export { importCanonicalEcSpki, type NativeEcPublicKey } from './digest-signature.js';
