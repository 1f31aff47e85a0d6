import { hash, timingSafeEqual } from 'node:crypto';
import { CoreError, decodeBase64, decodeHex, decodePem, encodePem, preAuthEncoding, type HashName } from '@signet/core';
import type { Envelope, TransparencyLogEntry } from '@signet/bundle';
import { VerificationError } from './errors.js';

/** What the bundle says was signed, and by which key material, for comparison with a log entry. */
export interface SignedContent {
  readonly kind: 'message' | 'dsse';
  /** The signature bytes (message signature, or the one DSSE signature). */
  readonly signature: Buffer;
  /** For message signatures: the artifact digest the signature covers. */
  readonly digest?: { readonly hash: HashName; readonly value: Buffer } | undefined;
  /** For DSSE: the envelope. */
  readonly envelope?: Envelope | undefined;
  /** The DER of the leaf certificate, or of the SPKI for keyed bundles. */
  readonly verifierDer: Buffer;
  readonly verifierIsCertificate: boolean;
}

const MAX_BODY = 8 * 1024 * 1024;

function fail(message: string): never {
  throw new VerificationError('ERR_VERIFY_TLOG_BODY', message);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`log entry ${what} is not an object`);
  return v as Json;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(`log entry ${what} is not a string`);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`log entry ${what} is not an array`);
  return v;
}

function b64(v: unknown, what: string): Buffer {
  try {
    return decodeBase64(str(v, what), `log entry ${what}`);
  } catch (e) {
    if (e instanceof CoreError) fail(e.message);
    throw e;
  }
}

function hex(v: unknown, what: string): Buffer {
  try {
    return decodeHex(str(v, what), `log entry ${what}`);
  } catch (e) {
    if (e instanceof CoreError) fail(e.message);
    throw e;
  }
}

/** Rekor v1 records key material as base64 of a PEM (certificate or public key); compare by DER. */
function checkPemVerifier(v: unknown, content: SignedContent, what: string): void {
  // Fast path: what Rekor clients write is base64 of the standard PEM (64-column lines) of the
  // bundle's own DER. Equal text decodes to exactly that one block, so it passes the full check
  // below; any other spelling takes the full check.
  if (typeof v === 'string' && v.length === canonicalPemBase64Length(content) && v === canonicalPemBase64(content)) return;
  let blocks;
  try {
    blocks = decodePem(b64(v, what).toString('utf8'), 4);
  } catch (e) {
    if (e instanceof CoreError) fail(`${what}: ${e.message}`);
    throw e;
  }
  const [block] = blocks;
  if (!block) fail(`${what} is empty`);
  const isCert = block.label === 'CERTIFICATE';
  if (isCert !== content.verifierIsCertificate || !equal(block.der, content.verifierDer)) {
    fail(`${what} is not the bundle's ${content.verifierIsCertificate ? 'certificate' : 'key'}`);
  }
}

function canonicalPemBase64(content: SignedContent): string {
  const pem = encodePem(content.verifierIsCertificate ? 'CERTIFICATE' : 'PUBLIC KEY', content.verifierDer);
  return Buffer.from(pem, 'latin1').toString('base64');
}

/** Length of {@link canonicalPemBase64}, computed without building it (to skip it cheaply). */
function canonicalPemBase64Length(content: SignedContent): number {
  const label = content.verifierIsCertificate ? 'CERTIFICATE' : 'PUBLIC KEY';
  const b64 = Math.ceil(content.verifierDer.length / 3) * 4;
  const lines = Math.ceil(b64 / 64);
  const pem = 2 * label.length + '-----BEGIN -----\n'.length + '-----END -----\n'.length + b64 + lines;
  return Math.ceil(pem / 3) * 4;
}

const HASHES: Record<string, HashName> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

/**
 * Re-derives what the log entry must say from the bundle content and compares
 * (DESIGN.md step 6; the check whose absence caused cosign CVE-2022-36056-class bugs):
 * kind/version must match the declared kindVersion, the signature, the key material and the
 * digest in the body must be the bundle's own.
 * @throws VerificationError `ERR_VERIFY_TLOG_KIND`, `ERR_VERIFY_TLOG_BODY`
 */
export function verifyTLogBody(entry: TransparencyLogEntry, content: SignedContent): void {
  if (entry.canonicalizedBody.length > MAX_BODY) fail('log entry body too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.canonicalizedBody.toString('utf8'));
  } catch {
    fail('log entry body is not JSON');
  }
  const body = obj(parsed, 'body');
  const { kind, version } = entry.kindVersion;
  if (body['kind'] !== kind || body['apiVersion'] !== version) {
    fail(`log entry body is ${String(body['kind'])}/${String(body['apiVersion'])}, bundle says ${kind}/${version}`);
  }
  const spec = obj(body['spec'], 'spec');
  const key = `${kind}/${version}`;
  switch (key) {
    case 'hashedrekord/0.0.1':
      return hashedRekord001(spec, content);
    case 'hashedrekord/0.0.2':
      return hashedRekord002(spec, content);
    case 'dsse/0.0.1':
      return dsse001(spec, content);
    case 'dsse/0.0.2':
      return dsse002(spec, content);
    case 'intoto/0.0.1':
      return intoto001(spec, content);
    case 'intoto/0.0.2':
      return intoto002(spec, content);
    default:
      throw new VerificationError('ERR_VERIFY_TLOG_KIND', `unsupported log entry kind ${key}`);
  }
}

function hashedRekord001(spec: Json, content: SignedContent): void {
  const sig = obj(spec['signature'], 'spec.signature');
  if (!equal(b64(sig['content'], 'spec.signature.content'), content.signature)) fail('log entry signature is not the bundle signature');
  checkPemVerifier(obj(sig['publicKey'], 'spec.signature.publicKey')['content'], content, 'spec.signature.publicKey.content');
  const hash = obj(obj(spec['data'], 'spec.data')['hash'], 'spec.data.hash');
  checkLoggedDigest(content, HASHES[str(hash['algorithm'], 'spec.data.hash.algorithm')], hex(hash['value'], 'spec.data.hash.value'));
}

/**
 * A hashedrekord commits to a digest: of the artifact for message signatures, or — for DSSE
 * content (client spec "Bundle content vs. Rekor entry kind"; rekor-v2 spec §6.1.4) — of the
 * PAE that the DSSE signature covers.
 */
function checkLoggedDigest(content: SignedContent, alg: HashName | undefined, logged: Buffer): void {
  if (content.kind === 'dsse') {
    const env = content.envelope as Envelope;
    if (alg !== 'sha256' || !equal(logged, sha256(preAuthEncoding(env.payloadType, env.payload)))) {
      fail('log entry digest is not the SHA-256 of the DSSE PAE');
    }
    return;
  }
  if (!content.digest || alg !== content.digest.hash) fail(`log entry digest algorithm ${String(alg)} does not match the bundle`);
  if (!equal(logged, content.digest.value)) fail('log entry digest is not the artifact digest');
}

function hashedRekord002(spec: Json, content: SignedContent): void {
  const v = obj(spec['hashedRekordV002'], 'spec.hashedRekordV002');
  const sig = obj(v['signature'], 'spec.hashedRekordV002.signature');
  if (!equal(b64(sig['content'], 'signature.content'), content.signature)) fail('log entry signature is not the bundle signature');
  checkV002Verifier(sig['verifier'], content, 'signature.verifier');
  const data = obj(v['data'], 'spec.hashedRekordV002.data');
  checkLoggedDigest(content, HASHES[str(data['algorithm'], 'data.algorithm')], b64(data['digest'], 'data.digest'));
}

/** Rekor v2 names key material as raw DER: `{x509Certificate|publicKey: {rawBytes}, keyDetails}`. */
function checkV002Verifier(v: unknown, content: SignedContent, what: string): void {
  const verifier = obj(v, what);
  const cert = verifier['x509Certificate'];
  const pub = verifier['publicKey'];
  if ((cert === undefined) === (pub === undefined)) fail(`${what} must be one of x509Certificate or publicKey`);
  const isCert = cert !== undefined;
  const der = b64(obj(isCert ? cert : pub, `${what} key`)['rawBytes'], `${what} rawBytes`);
  if (isCert !== content.verifierIsCertificate || !equal(der, content.verifierDer)) fail('log entry verifier is not the bundle key material');
}

/** dsse 0.0.2 (rekor-tiles DSSELogEntryV002): SHA-256 of the payload and the one signature with its verifier. */
function dsse002(spec: Json, content: SignedContent): void {
  if (content.kind !== 'dsse' || !content.envelope) fail('dsse entry for a bundle without a DSSE envelope');
  const v = obj(spec['dsseV002'], 'spec.dsseV002');
  const ph = obj(v['payloadHash'], 'spec.dsseV002.payloadHash');
  if (str(ph['algorithm'], 'payloadHash.algorithm') !== 'SHA2_256') fail('unsupported payload hash algorithm');
  if (!equal(b64(ph['digest'], 'payloadHash.digest'), sha256(content.envelope.payload))) fail('log entry payload hash is not the DSSE payload digest');
  const sigs = arr(v['signatures'], 'spec.dsseV002.signatures');
  if (sigs.length !== 1) fail('log entry must hold exactly one DSSE signature');
  const s = obj(sigs[0], 'spec.dsseV002.signatures[0]');
  if (!equal(b64(s['content'], 'signatures[0].content'), content.signature)) fail('log entry signature is not the bundle signature');
  checkV002Verifier(s['verifier'], content, 'signatures[0].verifier');
}

function dsse001(spec: Json, content: SignedContent): void {
  if (content.kind !== 'dsse' || !content.envelope) fail('dsse entry for a bundle without a DSSE envelope');
  const sigs = arr(spec['signatures'], 'spec.signatures');
  if (sigs.length !== 1) fail('log entry must hold exactly one DSSE signature');
  const s = obj(sigs[0], 'spec.signatures[0]');
  if (!equal(b64(s['signature'], 'spec.signatures[0].signature'), content.signature)) fail('log entry signature is not the bundle signature');
  checkPemVerifier(s['verifier'], content, 'spec.signatures[0].verifier');
  const ph = obj(spec['payloadHash'], 'spec.payloadHash');
  if (str(ph['algorithm'], 'spec.payloadHash.algorithm') !== 'sha256') fail('unsupported payload hash algorithm');
  if (!equal(hex(ph['value'], 'spec.payloadHash.value'), sha256(content.envelope.payload))) fail('log entry payload hash is not the DSSE payload digest');
}

function intoto002(spec: Json, content: SignedContent): void {
  if (content.kind !== 'dsse' || !content.envelope) fail('intoto entry for a bundle without a DSSE envelope');
  const c = obj(spec['content'], 'spec.content');
  const env = obj(c['envelope'], 'spec.content.envelope');
  if (env['payloadType'] !== undefined && env['payloadType'] !== content.envelope.payloadType) fail('log entry payloadType differs');
  const sigs = arr(env['signatures'], 'spec.content.envelope.signatures');
  if (sigs.length !== 1) fail('log entry must hold exactly one DSSE signature');
  const s = obj(sigs[0], 'spec.content.envelope.signatures[0]');
  // intoto 0.0.2 stores the signature base64-encoded twice.
  const inner = b64(s['sig'], 'signatures[0].sig').toString('utf8');
  if (!equal(b64(inner, 'signatures[0].sig (inner)'), content.signature)) fail('log entry signature is not the bundle signature');
  checkPemVerifier(s['publicKey'], content, 'signatures[0].publicKey');
  const ph = obj(c['payloadHash'], 'spec.content.payloadHash');
  if (str(ph['algorithm'], 'payloadHash.algorithm') !== 'sha256') fail('unsupported payload hash algorithm');
  if (!equal(hex(ph['value'], 'payloadHash.value'), sha256(content.envelope.payload))) fail('log entry payload hash is not the DSSE payload digest');
}

function intoto001(spec: Json, content: SignedContent): void {
  if (content.kind !== 'dsse' || !content.envelope) fail('intoto entry for a bundle without a DSSE envelope');
  const c = obj(spec['content'], 'spec.content');
  checkPemVerifier(spec['publicKey'], content, 'spec.publicKey');
  const ph = obj(c['payloadHash'], 'spec.content.payloadHash');
  if (str(ph['algorithm'], 'payloadHash.algorithm') !== 'sha256') fail('unsupported payload hash algorithm');
  if (!equal(hex(ph['value'], 'payloadHash.value'), sha256(content.envelope.payload))) fail('log entry payload hash is not the DSSE payload digest');
}
