import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreError, decodeBase64, decodeHex, decodePem, encodeBase64, encodePem } from '@signet/core';

function rejects(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof CoreError && e.code === code);
}

describe('base64', () => {
  it('round-trips every length 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
    }
  });
  for (const [name, text] of [
    ['illegal character', 'ab$d'],
    ['missing padding', 'YWI'],
    ['excess padding', 'YQ==='],
    ['url alphabet', 'ab-_'],
    ['whitespace', 'YW Jj'],
    ['non-canonical pad bits', 'YR=='],
  ] as const) {
    it(`rejects ${name}`, () => rejects(() => decodeBase64(text), 'ERR_CORE_BASE64'));
  }
});

describe('hex', () => {
  it('decodes and rejects odd or non-hex input', () => {
    assert.deepEqual(decodeHex('00ff'), Buffer.from([0, 255]));
    rejects(() => decodeHex('abc'), 'ERR_CORE_HEX');
    rejects(() => decodeHex('zz'), 'ERR_CORE_HEX');
  });
});

describe('PEM', () => {
  it('round-trips and reads several blocks', () => {
    const a = encodePem('CERTIFICATE', Buffer.from('hello'));
    const b = encodePem('PUBLIC KEY', Buffer.alloc(100, 7));
    const blocks = decodePem(a + b);
    assert.equal(blocks.length, 2);
    assert.equal(blocks[0]?.label, 'CERTIFICATE');
    assert.deepEqual(blocks[1]?.der, Buffer.alloc(100, 7));
  });
  it('rejects text without a block, a bad body, an empty block and too many blocks', () => {
    rejects(() => decodePem('nothing here'), 'ERR_CORE_PEM');
    rejects(() => decodePem('-----BEGIN X-----\n@@@@\n-----END X-----\n'), 'ERR_CORE_PEM');
    rejects(() => decodePem('-----BEGIN X-----\n\n-----END X-----\n'), 'ERR_CORE_PEM');
    rejects(() => decodePem(encodePem('X', Buffer.from('a')).repeat(3), 2), 'ERR_CORE_PEM');
  });
});
