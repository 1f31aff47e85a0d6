import { X509Certificate, type KeyObject } from 'node:crypto';
import { CoreError } from './errors.js';
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

/** A parsed certificate: native handle for signature checks, plus the fields verification reads. */
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

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
} as const;

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

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
  let native: X509Certificate;
  try {
    native = new X509Certificate(bytes);
  } catch (cause) {
    fail('malformed certificate', cause);
  }
  try {
    return build(bytes, native);
  } catch (cause) {
    if (cause instanceof CoreError && cause.code === 'ERR_CORE_CERTIFICATE') throw cause;
    fail(`malformed certificate: ${(cause as Error).message}`, cause);
  }
}

function build(der: Buffer, native: X509Certificate): Certificate {
  const root = parseDer(der);
  const [tbsNode] = derSequence(root, 'Certificate');
  if (!tbsNode) fail('missing TBSCertificate');
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
        critical = derValue(valueNode)[0] === 0xff;
        valueNode = parts[2];
      }
      if (!valueNode) fail(`extension ${oid} has no value`);
      expectTag(valueNode, DerTag.OCTET_STRING, `extension ${oid} value`);
      if (extensions.some((e) => e.oid === oid)) fail(`duplicate extension ${oid}`);
      extensions.push({ oid, critical, value: derValue(valueNode), raw: derRaw(ext) });
    }
  }
  const byOid = new Map(extensions.map((e) => [e.oid, e]));
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
  return {
    der,
    native,
    notBefore: derTime(nb),
    notAfter: derTime(na),
    serialNumber: native.serialNumber,
    issuerDer: derRaw(issuer),
    subjectDer: derRaw(subject),
    tbs: derRaw(tbsNode),
    spki: derRaw(spki),
    extensions,
    publicKey: native.publicKey,
    isCA,
    extKeyUsage,
    keyUsage,
    subjectAltNames,
    extension: (oid: string) => byOid.get(oid),
  };
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
