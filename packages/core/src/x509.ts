import { X509Certificate, constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { CoreError } from './errors.js';
import { OID } from './oids.js';
import { DerTag, derChildren, derOid, derRaw, derSequence, derTime, derValue, expectTag, parseDer, readDer, type DerNode } from './der.js';

/** One X.509v3 extension: critical flag and the extnValue octets. */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** Contents of the extnValue OCTET STRING (the DER of the extension's own value). */
  value: Buffer;
  /** The whole Extension TLV (for re-encoding a TBSCertificate without it). */
  raw: Buffer;
}

/** A subject alternative name, by kind (RFC 5280 §4.2.1.6). */
export type GeneralName =
  | { type: 'email'; value: string }
  | { type: 'dns'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'otherName'; oid: string; value: string }
  | { type: 'other'; tag: number };

/**
 * A parsed certificate: the fields verification reads, from one strict DER walk. The native
 * `X509Certificate` and the public `KeyObject` are built on first use only: OpenSSL 3.0 needs
 * ~150 µs to decode a key, more than the rest of the parse.
 */
export interface Certificate {
  readonly der: Buffer;
  readonly native: X509Certificate;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialNumber: string;
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
  /** DER of the TBSCertificate. */
  readonly tbs: Buffer;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  /** OID of the outer signatureAlgorithm. */
  readonly signatureAlgorithm: string;
  /** DER of the outer signatureAlgorithm AlgorithmIdentifier. */
  readonly signatureAlgorithmDer: Buffer;
  /** The signatureValue bits (DER ECDSA signature, RSA or Ed25519 signature bytes). */
  readonly signatureValue: Buffer;
  readonly extensions: readonly CertificateExtension[];
  readonly publicKey: KeyObject;
  /** BasicConstraints cA. */
  readonly isCA: boolean;
  /** Extended key usage OIDs (empty when absent). */
  readonly extKeyUsage: readonly string[];
  /** KeyUsage bits as named flags. */
  readonly keyUsage: ReadonlySet<string>;
  readonly subjectAltNames: readonly GeneralName[];
  /** The extension with this OID, if present. */
  extension(oid: string): CertificateExtension | undefined;
}

export { OID };

/** KeyUsage bit names, in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;

/** A KeyUsage bit by name. */
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];


function fail(message: string, cause?: unknown): never {
  throw new CoreError('ERR_CORE_CERTIFICATE', message, cause === undefined ? undefined : { cause });
}

/**
 * Parses a DER certificate. Signature checks use the native `X509Certificate`; fields that
 * Node does not expose (extensions, raw names, TBS) are read with the strict DER reader.
 * @throws CoreError `ERR_CORE_CERTIFICATE`
 */
export function parseCertificate(der: Uint8Array): Certificate {
  const bytes = Buffer.from(der);
  try {
    return build(bytes);
  } catch (cause) {
    if (cause instanceof CoreError && cause.code === 'ERR_CORE_CERTIFICATE') throw cause;
    fail(`malformed certificate: ${(cause as Error).message}`, cause);
  }
}

/**
 * An extension whose `value` and `raw` views are made on first read (and then kept): a Fulcio
 * leaf carries ~20 extensions, and verification reads the bytes of a few. A class, so that
 * building one is a plain allocation (accessors live on the prototype).
 */
class LazyExtension implements CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly #valueNode: DerNode;
  readonly #extNode: DerNode;
  #value: Buffer | undefined;
  #raw: Buffer | undefined;

  constructor(oid: string, critical: boolean, valueNode: DerNode, extNode: DerNode) {
    this.oid = oid;
    this.critical = critical;
    this.#valueNode = valueNode;
    this.#extNode = extNode;
  }

  get value(): Buffer {
    this.#value ??= derValue(this.#valueNode);
    return this.#value;
  }

  get raw(): Buffer {
    this.#raw ??= derRaw(this.#extNode);
    return this.#raw;
  }
}

function build(der: Buffer): Certificate {
  const root = parseDer(der);
  const [tbsNode, sigAlgNode, sigValueNode, extra] = derSequence(root, 'Certificate');
  if (!tbsNode || !sigAlgNode || !sigValueNode || extra) fail('Certificate must have exactly three fields');
  const [sigAlgOid] = derSequence(sigAlgNode, 'signatureAlgorithm');
  const signatureAlgorithm = derOid(sigAlgOid ?? fail('empty signatureAlgorithm'));
  const sigBits = derValue(expectTag(sigValueNode, DerTag.BIT_STRING, 'signatureValue'));
  if (sigBits.length < 2 || sigBits[0] !== 0) fail('signatureValue has unused bits');
  const tbsFields = derSequence(tbsNode, 'TBSCertificate');
  let i = 0;
  if (tbsFields[0]?.tag === 0xa0) i++; // [0] EXPLICIT version
  const serial = tbsFields[i++];
  i++; // signature AlgorithmIdentifier
  const issuer = tbsFields[i++];
  const validity = tbsFields[i++];
  const subject = tbsFields[i++];
  const spki = tbsFields[i++];
  if (!serial || !issuer || !validity || !subject || !spki) fail('truncated TBSCertificate');
  const [nb, na] = derSequence(validity, 'Validity');
  if (!nb || !na) fail('bad Validity');
  const extensions: CertificateExtension[] = [];
  const byOid = new Map<string, CertificateExtension>();
  for (; i < tbsFields.length; i++) {
    const f = tbsFields[i] as DerNode;
    if (f.tag !== 0xa3) continue;
    const [seq] = derChildren(f);
    if (!seq) fail('empty extensions');
    for (const ext of derSequence(seq, 'Extensions')) {
      const parts = derSequence(ext, 'Extension');
      const oid = derOid(parts[0] ?? fail('empty Extension'));
      let critical = false;
      let valueNode = parts[1];
      if (valueNode?.tag === DerTag.BOOLEAN) {
        critical = valueNode.end > valueNode.contentStart && der[valueNode.contentStart] === 0xff;
        valueNode = parts[2];
      }
      if (!valueNode) fail(`extension ${oid} has no value`);
      expectTag(valueNode, DerTag.OCTET_STRING, `extension ${oid} value`);
      if (byOid.has(oid)) fail(`duplicate extension ${oid}`);
      const e = new LazyExtension(oid, critical, valueNode, ext);
      extensions.push(e);
      byOid.set(oid, e);
    }
  }
  const bc = byOid.get(OID.basicConstraints);
  let isCA = false;
  if (bc) {
    const [first] = derSequence(parseDer(bc.value), 'BasicConstraints');
    isCA = first?.tag === DerTag.BOOLEAN && derValue(first)[0] === 0xff;
  }
  const eku = byOid.get(OID.extKeyUsage);
  const extKeyUsage = eku ? derSequence(parseDer(eku.value), 'ExtKeyUsage').map(derOid) : [];
  const ku = byOid.get(OID.keyUsage);
  const keyUsage = new Set<string>();
  if (ku) {
    const v = derValue(expectTag(parseDer(ku.value), DerTag.BIT_STRING, 'KeyUsage'));
    for (let bit = 0; bit < KEY_USAGE_BITS.length; bit++) {
      const byte = v[1 + (bit >> 3)];
      if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) keyUsage.add(KEY_USAGE_BITS[bit] as string);
    }
  }
  const san = byOid.get(OID.subjectAltName);
  const subjectAltNames = san ? parseGeneralNames(san.value) : [];
  let native: X509Certificate | undefined;
  let publicKey: KeyObject | undefined;
  let serialNumber: string | undefined;
  const nativeCert = (): X509Certificate => {
    if (!native) {
      try {
        native = new X509Certificate(der);
      } catch (cause) {
        fail('malformed certificate', cause);
      }
    }
    return native;
  };
  return {
    der,
    get native() {
      return nativeCert();
    },
    notBefore: derTime(nb),
    notAfter: derTime(na),
    get serialNumber() {
      serialNumber ??= derValue(serial).toString('hex').replace(/^(00)+(?=.)/, '').toUpperCase();
      return serialNumber;
    },
    issuerDer: derRaw(issuer),
    subjectDer: derRaw(subject),
    tbs: derRaw(tbsNode),
    spki: derRaw(spki),
    signatureAlgorithm,
    signatureAlgorithmDer: derRaw(sigAlgNode),
    signatureValue: sigBits.subarray(1),
    extensions,
    get publicKey() {
      publicKey ??= nativeCert().publicKey;
      return publicKey;
    },
    isCA,
    extKeyUsage,
    keyUsage,
    subjectAltNames,
    extension: (oid: string) => byOid.get(oid),
  };
}

/** Signature algorithms of certificates, by OID, as node:crypto verifies them (RFC 5758, RFC 4055, RFC 8410). */
const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; padding?: number }> = {
  [OID.ecdsaWithSHA256]: { hash: 'sha256' },
  [OID.ecdsaWithSHA384]: { hash: 'sha384' },
  [OID.ecdsaWithSHA512]: { hash: 'sha512' },
  [OID.sha256WithRSAEncryption]: { hash: 'sha256', padding: constants.RSA_PKCS1_PADDING },
  [OID.sha384WithRSAEncryption]: { hash: 'sha384', padding: constants.RSA_PKCS1_PADDING },
  [OID.sha512WithRSAEncryption]: { hash: 'sha512', padding: constants.RSA_PKCS1_PADDING },
  [OID.ed25519]: { hash: null },
};

/**
 * Verifies a certificate's signature with its issuer's key over the TBSCertificate bytes as
 * they are (never re-encoded). Algorithms outside the common table (e.g. RSASSA-PSS with
 * parameters) go through the native `X509Certificate.verify`.
 */
export function verifyCertificateSignature(cert: Certificate, issuerKey: KeyObject): boolean {
  const alg = SIGNATURE_ALGORITHMS[cert.signatureAlgorithm];
  try {
    if (!alg) return cert.native.verify(issuerKey);
    const key = alg.padding === undefined ? { key: issuerKey, dsaEncoding: 'der' as const } : { key: issuerKey, padding: alg.padding };
    return cryptoVerify(alg.hash, cert.tbs, key, cert.signatureValue);
  } catch {
    return false;
  }
}

/**
 * True when `issuer` issued `cert`: the certificate's issuer name is byte-for-byte the issuer's
 * subject (RFC 5280 §6.1.3 (a)(4), without the case-folding that DER-exact CAs never need) and the
 * signature verifies with the issuer's key.
 */
export function isIssuedBy(cert: Certificate, issuer: Certificate): boolean {
  return cert.issuerDer.equals(issuer.subjectDer) && verifyCertificateSignature(cert, issuer.publicKey);
}

/** Parses GeneralNames (RFC 5280 §4.2.1.6). */
export function parseGeneralNames(value: Buffer): GeneralName[] {
  const out: GeneralName[] = [];
  for (const gn of derSequence(parseDer(value), 'GeneralNames')) {
    const text = () => derValue(gn).toString('utf8');
    switch (gn.tag) {
      case 0x81:
        out.push({ type: 'email', value: text() });
        break;
      case 0x82:
        out.push({ type: 'dns', value: text() });
        break;
      case 0x86:
        out.push({ type: 'uri', value: text() });
        break;
      case 0xa0: {
        const [oidNode, explicit] = derChildren(gn);
        const oid = derOid(oidNode ?? fail('otherName without type-id'));
        const [inner] = explicit ? derChildren(explicit) : [];
        out.push({ type: 'otherName', oid, value: inner ? derValue(inner).toString('utf8') : '' });
        break;
      }
      default:
        out.push({ type: 'other', tag: gn.tag });
    }
  }
  return out;
}

/** Decodes a DER string value (UTF8String, IA5String, PrintableString) as text. */
export function decodeDerString(der: Uint8Array): string {
  const node = parseDer(der);
  if (node.tag !== DerTag.UTF8_STRING && node.tag !== DerTag.IA5_STRING && node.tag !== DerTag.PRINTABLE_STRING) {
    throw new CoreError('ERR_CORE_DER', `expected a string, got tag 0x${node.tag.toString(16)}`);
  }
  return derValue(node).toString('utf8');
}

export { readDer };
