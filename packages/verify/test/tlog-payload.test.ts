import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalizeJSON } from '@signet/core';
import { parseBundle, parseTrustedRoot, type TransparencyLogEntry } from '@signet/bundle';
import { PUBLIC_GOOD_TRUSTED_ROOT, Verifier, findLog, signedEntryTimestampPayload } from '@signet/verify';

const bundle = parseBundle(readFileSync(new URL('../test/fixtures/conformance/v0.3.sigstore.json', import.meta.url), 'utf8'));
const trust = new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT)).trust;

function generic(entry: TransparencyLogEntry, logId: Buffer): string {
  return canonicalizeJSON({ body: entry.canonicalizedBody.toString('base64'), integratedTime: entry.integratedTime, logID: logId.toString('hex'), logIndex: entry.logIndex });
}

describe('signed entry timestamp payload', () => {
  it('is byte for byte the RFC 8785 canonical JSON of {body, integratedTime, logID, logIndex}', () => {
    const entry = bundle.verificationMaterial.tlogEntries[0] as TransparencyLogEntry;
    const log = findLog(entry, trust.tlogs);
    assert.equal(signedEntryTimestampPayload(entry, log).toString('utf8'), generic(entry, log.logId));
    for (const [integratedTime, logIndex] of [[0, 0], [1, 2], [Number.MAX_SAFE_INTEGER, 10 ** 15], [1.5, 3], [4, 2.25]] as const) {
      const e = { ...entry, integratedTime, logIndex };
      assert.equal(signedEntryTimestampPayload(e, log).toString('utf8'), generic(e, log.logId));
    }
    for (const body of [Buffer.alloc(0), Buffer.from([0xff]), Buffer.from('{"a":"\\u00e9"}')]) {
      const e = { ...entry, canonicalizedBody: body };
      assert.equal(signedEntryTimestampPayload(e, log).toString('utf8'), generic(e, log.logId));
    }
  });
});
