// Shared helpers of the server-tsa tests: a TimeStampReq writer (independent of the product's
// DER writer), a TimeStampResp reader for statuses, cached TSA chains, a server on port 0.
import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';
import {
  DerTag, derChildren, derRaw, derSequence, derSmallInteger, derValue, encodeDer, parseDer, type DerNode,
} from '@signet/core';
import {
  PKI_FAILURE_BITS, TimestampAuthority, createKeyTimestampSigner, createTimestampServer, generateTimestampAuthorityChain,
  type GeneratedKeyType, type GeneratedTimestampAuthority, type PKIFailureInfo, type TimestampAuthorityOptions,
} from '@signet/server-tsa';

export const SHA256_OID = '2.16.840.1.101.3.4.2.1';
export const SHA384_OID = '2.16.840.1.101.3.4.2.2';
export const SHA512_OID = '2.16.840.1.101.3.4.2.3';
export const SHA1_OID = '1.3.14.3.2.26';
export const SIGSTORE_POLICY = '1.3.6.1.4.1.57264.2';

export const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

// ---- a minimal DER writer for requests -------------------------------------------------------

export const seq = (...items: Buffer[]): Buffer => encodeDer(DerTag.SEQUENCE, ...items);
export const octets = (b: Uint8Array): Buffer => encodeDer(DerTag.OCTET_STRING, b);
export const bool = (v: boolean): Buffer => encodeDer(DerTag.BOOLEAN, Buffer.of(v ? 0xff : 0));
export const int = (content: number[] | Buffer): Buffer => encodeDer(DerTag.INTEGER, Buffer.from(content));
export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return encodeDer(DerTag.OID, Buffer.from(out));
}

/** Fields of a TimeStampReq to write; `raw*` overrides write bytes as given. */
export interface RequestFields {
  version?: number;
  hashOid?: string;
  /** Write NULL parameters in the AlgorithmIdentifier (as `openssl ts -query` does). */
  nullParams?: boolean;
  hashed?: Buffer;
  policy?: string;
  nonce?: Buffer;
  certReq?: boolean;
  extensions?: Buffer;
}

/** A DER TimeStampReq (RFC 3161 §2.4.1). */
export function timeStampReq(f: RequestFields = {}): Buffer {
  const alg = f.nullParams ? seq(oid(f.hashOid ?? SHA256_OID), Buffer.of(0x05, 0x00)) : seq(oid(f.hashOid ?? SHA256_OID));
  return seq(
    int([f.version ?? 1]),
    seq(alg, octets(f.hashed ?? sha256(Buffer.from('signet')))),
    ...(f.policy ? [oid(f.policy)] : []),
    ...(f.nonce ? [int(f.nonce)] : []),
    ...(f.certReq ? [bool(true)] : []),
    ...(f.extensions ? [f.extensions] : []),
  );
}

// ---- reading a TimeStampResp -----------------------------------------------------------------

/** The PKIStatusInfo of a TimeStampResp and the token's SignedData fields we assert on. */
export interface ReadResponse {
  status: number;
  statusString?: string;
  failInfo: PKIFailureInfo[];
  /** SignedData children (version, digestAlgorithms, encap, [certificates], signerInfos), when granted. */
  signedData?: DerNode[];
}

export function readResponse(der: Uint8Array): ReadResponse {
  const [statusInfo, token] = derSequence(parseDer(der), 'TimeStampResp');
  const parts = derSequence(statusInfo as DerNode, 'PKIStatusInfo');
  const out: ReadResponse = { status: derSmallInteger(parts[0] as DerNode), failInfo: [] };
  for (const p of parts.slice(1)) {
    if (p.tag === DerTag.SEQUENCE) out.statusString = derChildren(p).map((s) => derValue(s).toString('utf8')).join(' ');
    if (p.tag === DerTag.BIT_STRING) {
      const v = derValue(p);
      for (const [name, bit] of Object.entries(PKI_FAILURE_BITS)) {
        const byte = v[1 + (bit >> 3)];
        if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) out.failInfo.push(name as PKIFailureInfo);
      }
      // DER named bit list: no trailing zero bits (X.690 §11.2.2).
      const unused = v[0] as number;
      const last = v[v.length - 1] as number;
      if (v.length > 1 && (last & (1 << unused)) === 0) throw new Error('failInfo has trailing zero bits');
    }
  }
  if (token) {
    const [, content] = derSequence(token, 'ContentInfo');
    out.signedData = derSequence(derChildren(content as DerNode)[0] as DerNode, 'SignedData');
  }
  return out;
}

/** The certificates [0] of a SignedData, as DER. */
export function embeddedCertificates(signedData: DerNode[]): Buffer[] {
  const certs = signedData.find((n) => n.tag === 0xa0);
  return certs ? derChildren(certs).map((c) => Buffer.from(derRaw(c))) : [];
}

// ---- TSAs ------------------------------------------------------------------------------------

const chains = new Map<string, GeneratedTimestampAuthority>();

/** A TSA chain per key type, generated once per test process (RSA keys take a while). */
export function tsaChain(keyType: GeneratedKeyType = 'ecdsa-p256'): GeneratedTimestampAuthority {
  let c = chains.get(keyType);
  if (!c) {
    c = generateTimestampAuthorityChain({ keyType });
    chains.set(keyType, c);
  }
  return c;
}

export function makeAuthority(options: Partial<TimestampAuthorityOptions> & { keyType?: GeneratedKeyType } = {}): TimestampAuthority {
  const { keyType, ...rest } = options;
  const chain = tsaChain(keyType);
  return new TimestampAuthority({ signer: createKeyTimestampSigner(chain.privateKey, chain.certificateChain), ...rest });
}

/** Serves `authority` on 127.0.0.1, port 0; closed when the test ends. Returns the base URL. */
export async function startServer(t: TestContext, authority: TimestampAuthority, options: { bodyLimit?: number } = {}): Promise<string> {
  const app = createTimestampServer(authority, options);
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${addr.port}`;
}
