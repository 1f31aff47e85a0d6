import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignetError, parseCertificate, type Certificate } from '@signet/core';
import { VerificationError, type CertificateAuthorityTrust, type LogKey, type VerificationErrorCode } from '@signet/verify';

// Fixtures are read from the source tree (`test/fixtures/timestamps-scts/`, see its README), so
// that the compiled tests in `dist-test/` find them without a copy step.
const DIR = new URL('../test/fixtures/timestamps-scts/', import.meta.url);

export function readFixture(name: string): Buffer {
  return readFileSync(new URL(name, DIR));
}

export function readJSON(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8'));
}

interface RawValidity { start?: string; end?: string }
interface RawAuthority { uri: string; certChain: { certificates: { rawBytes: string }[] }; validFor: RawValidity }
interface RawLog { baseUrl: string; logId: { keyId: string }; publicKey: { rawBytes: string; keyDetails: string; validFor: RawValidity } }
interface RawTrustedRoot { certificateAuthorities: RawAuthority[]; timestampAuthorities: RawAuthority[]; ctlogs: RawLog[] }

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const window = (v: RawValidity) => ({ start: new Date(v.start as string), end: v.end === undefined ? undefined : new Date(v.end) });

function authority(a: RawAuthority): CertificateAuthorityTrust {
  return { uri: a.uri, certificates: a.certChain.certificates.map((c) => parseCertificate(b64(c.rawBytes))), validFor: window(a.validFor) };
}

/** Trust material built by hand from a `trusted_root.json` fixture (independent of @signet/bundle). */
export function loadTrust(name: string): { tsas: CertificateAuthorityTrust[]; cas: CertificateAuthorityTrust[]; ctlogs: LogKey[] } {
  const root = readJSON(name) as RawTrustedRoot;
  return {
    tsas: root.timestampAuthorities.map(authority),
    cas: root.certificateAuthorities.map(authority),
    ctlogs: root.ctlogs.map((l) => ({
      baseUrl: l.baseUrl,
      logId: b64(l.logId.keyId),
      // PKCS1_RSA_* keys are published as PKCS#1 RSAPublicKey, the others as SubjectPublicKeyInfo.
      key: createPublicKey({ key: b64(l.publicKey.rawBytes), format: 'der', type: l.publicKey.keyDetails.startsWith('PKCS1_') ? 'pkcs1' : 'spki' }),
      spki: b64(l.publicKey.rawBytes),
      keyDetails: l.publicKey.keyDetails,
      validFor: window(l.publicKey.validFor),
    })),
  };
}

interface RawBundle {
  messageSignature?: { signature: string };
  dsseEnvelope?: { signatures: { sig: string }[] };
  verificationMaterial: {
    certificate?: { rawBytes: string };
    timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] };
  };
}

/** The first RFC 3161 timestamp of a bundle fixture and the signature bytes it covers. */
export function loadTimestamp(name: string): { token: Buffer; signature: Buffer } {
  const b = readJSON(name) as RawBundle;
  const ts = b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0];
  assert.ok(ts, `${name} has no RFC 3161 timestamp`);
  const sig = b.messageSignature?.signature ?? b.dsseEnvelope?.signatures[0]?.sig;
  assert.ok(sig, `${name} has no signature`);
  return { token: b64(ts.signedTimestamp), signature: b64(sig) };
}

/** The leaf certificate of a v0.3 bundle fixture. */
export function loadLeaf(name: string): Certificate {
  const raw = (readJSON(name) as RawBundle).verificationMaterial.certificate?.rawBytes;
  assert.ok(raw, `${name} has no leaf certificate`);
  return parseCertificate(b64(raw));
}

/** Asserts that `fn` throws a `VerificationError` with `code`. */
export function assertCode(fn: () => unknown, code: VerificationErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VerificationError, `expected VerificationError, got ${String(err)}`);
    assert.ok(err instanceof SignetError);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** A copy of `bytes` with the byte at `offset` XOR-ed with `mask`. */
export function flip(bytes: Buffer, offset: number, mask = 0x01): Buffer {
  const out = Buffer.from(bytes);
  out[offset] = (out[offset] as number) ^ mask;
  return out;
}

/** Offset of `part` (a subarray of `whole`'s memory) within `whole`. */
export function offsetIn(whole: Buffer, part: Buffer): number {
  const o = part.byteOffset - whole.byteOffset;
  assert.ok(part.buffer === whole.buffer && o >= 0 && o + part.length <= whole.length, 'not a slice of the same buffer');
  return o;
}
