import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REQUEST_BYTES, TimestampError, parseJSONBody, parseTimeStampReq, timeStampReqFromJSON } from '@signet/server-tsa';
import { SHA256_OID, SHA512_OID, bool, int, octets, oid, seq, sha256, timeStampReq } from './tsa-helpers.js';

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof TimestampError && e.code === code);
}

describe('parseTimeStampReq', () => {
  it('reads every field of a DER TimeStampReq (RFC 3161 §2.4.1)', () => {
    const ext = seq(oid('1.2.3.4'), bool(true), octets(Buffer.of(1)));
    const der = timeStampReq({
      hashed: sha256(Buffer.from('x')), nullParams: true, policy: '1.2.3', nonce: Buffer.of(0x00, 0x80), certReq: true,
      extensions: Buffer.concat([Buffer.of(0xa0, ext.length), ext]),
    });
    const req = parseTimeStampReq(der);
    assert.equal(req.version, 1);
    assert.equal(req.messageImprint.hashAlgorithm, SHA256_OID);
    assert.deepEqual(req.messageImprint.hashParameters, Buffer.of(5, 0));
    assert.deepEqual(req.messageImprint.hashedMessage, sha256(Buffer.from('x')));
    assert.equal(req.reqPolicy, '1.2.3');
    assert.deepEqual(req.nonce, Buffer.of(0x00, 0x80));
    assert.equal(req.certReq, true);
    assert.deepEqual(req.extensions, [{ oid: '1.2.3.4', critical: true, value: Buffer.of(1) }]);
  });

  it('defaults certReq to false and accepts an explicit FALSE', () => {
    assert.equal(parseTimeStampReq(timeStampReq()).certReq, false);
    const explicitFalse = seq(int([1]), seq(seq(oid(SHA256_OID)), octets(sha256(Buffer.alloc(0)))), bool(false));
    assert.equal(parseTimeStampReq(explicitFalse).certReq, false);
  });

  it('keeps an unrepresentable version for the authority to reject', () => {
    const req = parseTimeStampReq(seq(int(Buffer.from('0100000000000000', 'hex')), seq(seq(oid(SHA256_OID)), octets(Buffer.alloc(32)))));
    assert.equal(req.version, -1);
  });

  it('refuses malformed and oversized input with ERR_TSA_REQUEST_FORMAT', () => {
    assertCode(() => parseTimeStampReq(Buffer.alloc(MAX_REQUEST_BYTES + 1)), 'ERR_TSA_REQUEST_FORMAT');
    assertCode(() => parseTimeStampReq(Buffer.of(0x30, 0x80, 0, 0)), 'ERR_TSA_REQUEST_FORMAT'); // BER indefinite length
    assertCode(() => parseTimeStampReq(seq(int([1]))), 'ERR_TSA_REQUEST_FORMAT');
    assertCode(() => parseTimeStampReq(timeStampReq({ nonce: Buffer.alloc(65, 1) })), 'ERR_TSA_REQUEST_FORMAT');
    assertCode(() => parseTimeStampReq(seq(int([1]), seq(seq(oid(SHA256_OID)), octets(Buffer.alloc(32))), encodeBool(0x01))), 'ERR_TSA_REQUEST_FORMAT');
    assert.throws(() => parseTimeStampReq('30' as unknown as Uint8Array), TypeError);
  });
});

function encodeBool(byte: number): Buffer {
  return Buffer.of(0x01, 0x01, byte);
}

describe('timeStampReqFromJSON (Sigstore timestamp-authority JSON form)', () => {
  const artifactHash = sha256(Buffer.from('artifact')).toString('base64');

  it('maps artifactHash, hashAlgorithm, nonce, certificates and tsaPolicyOID', () => {
    const req = timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: 1234, certificates: true, tsaPolicyOID: '1.2.3.4' });
    assert.equal(req.version, 1);
    assert.equal(req.messageImprint.hashAlgorithm, SHA256_OID);
    assert.equal(req.messageImprint.hashParameters, undefined);
    assert.deepEqual(req.messageImprint.hashedMessage, sha256(Buffer.from('artifact')));
    assert.deepEqual(req.nonce, Buffer.of(0x04, 0xd2));
    assert.equal(req.certReq, true);
    assert.equal(req.reqPolicy, '1.2.3.4');
  });

  it('defaults: no nonce, no certificates, the TSA\'s policy; unknown fields ignored', () => {
    const req = timeStampReqFromJSON({ artifactHash: Buffer.alloc(64).toString('base64'), hashAlgorithm: 'SHA512', extra: { a: 1 } });
    assert.equal(req.messageImprint.hashAlgorithm, SHA512_OID);
    assert.equal(req.nonce, undefined);
    assert.equal(req.certReq, false);
    assert.equal(req.reqPolicy, undefined);
  });

  it('takes a nonce beyond 2^53 as a decimal string, negative ones too, and refuses an imprecise number', () => {
    assert.deepEqual(timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: '18446744073709551615' }).nonce, Buffer.from('00ffffffffffffffff', 'hex'));
    assert.deepEqual(timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: -1 }).nonce, Buffer.of(0xff));
    assert.deepEqual(timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: 0 }).nonce, Buffer.of(0));
    assertCode(() => timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: 2 ** 60 }), 'ERR_TSA_REQUEST_FORMAT');
    assertCode(() => timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: 1.5 }), 'ERR_TSA_REQUEST_FORMAT');
    assertCode(() => timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha256', nonce: '12ab' }), 'ERR_TSA_REQUEST_FORMAT');
  });

  it('answers weak or unknown hash names with ERR_TSA_HASH_ALGORITHM', () => {
    assertCode(() => timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'sha1' }), 'ERR_TSA_HASH_ALGORITHM');
    assertCode(() => timeStampReqFromJSON({ artifactHash, hashAlgorithm: 'blake3' }), 'ERR_TSA_HASH_ALGORITHM');
  });

  const bad: [string, unknown][] = [
    ['an array', [artifactHash]],
    ['null', null],
    ['a missing artifactHash', { hashAlgorithm: 'sha256' }],
    ['a missing hashAlgorithm', { artifactHash }],
    ['artifactHash not base64', { artifactHash: 'not base64!', hashAlgorithm: 'sha256' }],
    ['artifactHash a number', { artifactHash: 12, hashAlgorithm: 'sha256' }],
    ['certificates a string', { artifactHash, hashAlgorithm: 'sha256', certificates: 'yes' }],
    ['a bad tsaPolicyOID', { artifactHash, hashAlgorithm: 'sha256', tsaPolicyOID: 'policy-1' }],
  ];
  for (const [name, value] of bad) {
    it(`refuses ${name} with ERR_TSA_REQUEST_FORMAT`, () => assertCode(() => timeStampReqFromJSON(value), 'ERR_TSA_REQUEST_FORMAT'));
  }
});

describe('parseJSONBody', () => {
  it('parses JSON and refuses invalid JSON and prototype poisoning', () => {
    assert.deepEqual(parseJSONBody(Buffer.from('{"a":[1,{"b":null}]}')), { a: [1, { b: null }] });
    assert.deepEqual(parseJSONBody('{"constructor":"fine"}'), { constructor: 'fine' });
    for (const text of ['{"artifactHash":', '', '{"__proto__":{"polluted":true}}', '{"a":{"__proto__":{}}}', '{"a":{"constructor":{"prototype":{"x":1}}}}']) {
      assertCode(() => parseJSONBody(text), 'ERR_TSA_REQUEST_FORMAT');
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
