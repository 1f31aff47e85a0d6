import { createPublicKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { DerTag, decodePem, derOid, derRaw, derSequence, derValue, expectTag, parseDer } from '@signet/core';
import { CAError } from './errors.js';
import { checkSubjectKey } from './public-key.js';

/*
 * PKCS#10 certification requests (RFC 2986 §4): the CA only needs the subject key, and the
 * request's self-signature is the proof of possession. Subject, attributes and requested
 * extensions are ignored: the CA decides what the certificate says.
 */

/** Largest accepted CSR (PEM). */
export const MAX_CSR_BYTES = 16 * 1024;

const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; rsa?: boolean }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', rsa: true },
  '1.2.840.113549.1.1.12': { hash: 'sha384', rsa: true },
  '1.2.840.113549.1.1.13': { hash: 'sha512', rsa: true },
  '1.3.101.112': { hash: null },
};

function bad(message: string, cause?: unknown): CAError {
  return new CAError('ERR_CA_CSR', message, cause === undefined ? undefined : { cause });
}

/**
 * Parses a PEM `CERTIFICATE REQUEST`, verifies its self-signature and returns the subject key.
 * @throws CAError `ERR_CA_CSR` (malformed, or the signature does not verify), `ERR_CA_KEY` (unsupported key)
 */
export function subjectKeyFromCSR(pem: string): KeyObject {
  if (pem.length > MAX_CSR_BYTES) throw bad(`CSR larger than ${MAX_CSR_BYTES} bytes`);
  let der: Buffer;
  try {
    const blocks = decodePem(pem, 2);
    if (blocks.length !== 1 || (blocks[0]!.label !== 'CERTIFICATE REQUEST' && blocks[0]!.label !== 'NEW CERTIFICATE REQUEST')) throw bad('expected one PEM CERTIFICATE REQUEST block');
    der = blocks[0]!.der;
  } catch (cause) {
    if (cause instanceof CAError) throw cause;
    throw bad('CSR is not PEM', cause);
  }
  let info: Buffer;
  let spki: Buffer;
  let alg: string;
  let signature: Buffer;
  try {
    const [infoNode, algNode, sigNode, extra] = derSequence(parseDer(der), 'CertificationRequest');
    if (!infoNode || !algNode || !sigNode || extra) throw bad('CertificationRequest must have three fields');
    const [version, , spkiNode, attrs] = derSequence(infoNode, 'CertificationRequestInfo');
    if (!version || !spkiNode || !attrs || attrs.tag !== 0xa0) throw bad('malformed CertificationRequestInfo');
    if (!derValue(expectTag(version, DerTag.INTEGER, 'version')).equals(Buffer.of(0))) throw bad('CSR version must be 1 (0)');
    const [oidNode] = derSequence(algNode, 'signatureAlgorithm');
    alg = derOid(oidNode ?? (() => { throw bad('empty signatureAlgorithm'); })());
    const bits = derValue(expectTag(sigNode, DerTag.BIT_STRING, 'signature'));
    if (bits[0] !== 0) throw bad('signature has unused bits');
    info = derRaw(infoNode);
    spki = derRaw(spkiNode);
    signature = bits.subarray(1);
  } catch (cause) {
    if (cause instanceof CAError) throw cause;
    throw bad(`malformed CSR: ${(cause as Error).message}`, cause);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (cause) {
    throw bad('the CSR public key cannot be decoded', cause);
  }
  checkSubjectKey(key);
  const scheme = SIGNATURE_ALGORITHMS[alg];
  if (!scheme) throw bad(`unsupported CSR signature algorithm ${alg}`);
  let ok = false;
  try {
    ok = cryptoVerify(scheme.hash, info, scheme.rsa ? { key, padding: constants.RSA_PKCS1_PADDING } : { key, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw bad('the CSR signature does not verify with its public key');
  return key;
}
