import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DerTag, OID, derChildren, derOid, derRaw, derValue, encodeDer, parseCertificate, parseDer, type Certificate } from '@signet/core';
import { verifyEmbeddedSCTs, type LogKey } from '@signet/verify';
import { assertCode, flip, loadLeaf, loadTrust, offsetIn } from './timestamp-sct-fixtures.js';

// happy-path-v0.3: a public-good Fulcio leaf (2024-03-19) with one SCT from ctfe.sigstore.dev/2022.
const leaf = loadLeaf('happy-path-v0.3.bundle.json');
const publicGood = loadTrust('public-good.trusted_root.json');
const fulcio = publicGood.cas.find((a) => leaf.native.checkIssued(a.certificates[0]!.native))!;
const intermediate = fulcio.certificates[0]!;
const fulcioRoot = fulcio.certificates[1]!;
const ctlog2022 = publicGood.ctlogs.find((l) => l.baseUrl.endsWith('/2022'))!;

const sctExt = leaf.extension(OID.sctList)!;
/** The TLS SignedCertificateTimestampList inside the extension (a slice of `leaf.der`). */
const listBytes = Buffer.from(derValue(parseDer(sctExt.value)));
/** The one serialized SCT of the list. */
const oneSCT = listBytes.subarray(4);

/** A TLS vector<..2^16-1>. */
function vec16(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

/**
 * `leaf` re-encoded with the SCT extension's list replaced by `list` (TLS bytes), or removed when
 * `list` is undefined. The certificate's own signature no longer verifies; SCT checks do not read it.
 */
function withSCTList(cert: Certificate, list: Buffer | undefined): Certificate {
  const [tbs, alg, sig] = derChildren(parseDer(cert.der));
  const fields = derChildren(tbs!).map((f) => {
    if (f.tag !== 0xa3) return derRaw(f);
    const exts = derChildren(derChildren(f)[0]!).flatMap((e) => {
      if (derOid(derChildren(e)[0]!) !== OID.sctList) return [derRaw(e)];
      if (!list) return [];
      return [encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.OID, Buffer.from('2b06010401d679020402', 'hex')), encodeDer(DerTag.OCTET_STRING, encodeDer(DerTag.OCTET_STRING, list)))];
    });
    return encodeDer(0xa3, encodeDer(DerTag.SEQUENCE, ...exts));
  });
  return parseCertificate(encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.SEQUENCE, ...fields), derRaw(alg!), derRaw(sig!)));
}

function withWindow(log: LogKey, start: Date, end?: Date): LogKey {
  return { ...log, validFor: { start, end } };
}

describe('verifyEmbeddedSCTs', () => {
  it('verifies the real SCT of a public-good Fulcio certificate', () => {
    assert.equal(intermediate.isCA, true);
    assert.equal(verifyEmbeddedSCTs(leaf, intermediate, publicGood.ctlogs, 1), 1);
    assert.equal(verifyEmbeddedSCTs(leaf, intermediate, [ctlog2022], 1), 1);
    assert.equal(verifyEmbeddedSCTs(leaf, intermediate, publicGood.ctlogs, 0), 1);
  });

  it('re-encodes the precertificate faithfully (an unchanged round trip still verifies)', () => {
    const copy = withSCTList(leaf, listBytes);
    assert.ok(copy.der.equals(leaf.der));
    assert.equal(verifyEmbeddedSCTs(copy, intermediate, publicGood.ctlogs, 1), 1);
  });

  it('rejects an SCT checked against another issuer key (ERR_VERIFY_SCT)', () => {
    assertCode(() => verifyEmbeddedSCTs(leaf, fulcioRoot, publicGood.ctlogs, 1), 'ERR_VERIFY_SCT');
  });

  it('rejects a flipped byte in the SCT signature (ERR_VERIFY_SCT)', () => {
    const sig = leaf.der.indexOf(oneSCT) + oneSCT.length - 5;
    assert.ok(sig > 0);
    assertCode(() => verifyEmbeddedSCTs(parseCertificate(flip(leaf.der, sig)), intermediate, publicGood.ctlogs, 1), 'ERR_VERIFY_SCT');
  });

  it('rejects a certificate changed after the SCT was issued (ERR_VERIFY_SCT)', () => {
    // One letter of the OIDC issuer extension: the TBS the log signed is no longer this one.
    const at = leaf.der.indexOf('token.actions.githubusercontent.com');
    assert.ok(at > offsetIn(leaf.der, leaf.tbs));
    assertCode(() => verifyEmbeddedSCTs(parseCertificate(flip(leaf.der, at)), intermediate, publicGood.ctlogs, 1), 'ERR_VERIFY_SCT');
  });

  it('skips SCTs of unknown logs (ERR_VERIFY_SCT_THRESHOLD)', () => {
    const others = publicGood.ctlogs.filter((l) => l !== ctlog2022);
    assertCode(() => verifyEmbeddedSCTs(leaf, intermediate, others, 1), 'ERR_VERIFY_SCT_THRESHOLD');
    assertCode(() => verifyEmbeddedSCTs(leaf, intermediate, [], 1), 'ERR_VERIFY_SCT_THRESHOLD');
    assert.equal(verifyEmbeddedSCTs(leaf, intermediate, others, 0), 0);
  });

  it('skips an SCT whose timestamp is outside the log key window (ERR_VERIFY_SCT_THRESHOLD)', () => {
    const sctTime = Date.parse('2024-03-19T17:26:26.470Z');
    assertCode(() => verifyEmbeddedSCTs(leaf, intermediate, [withWindow(ctlog2022, new Date(sctTime + 1))], 1), 'ERR_VERIFY_SCT_THRESHOLD');
    assertCode(() => verifyEmbeddedSCTs(leaf, intermediate, [withWindow(ctlog2022, new Date(0), new Date(sctTime - 1))], 1), 'ERR_VERIFY_SCT_THRESHOLD');
    assert.equal(verifyEmbeddedSCTs(leaf, intermediate, [withWindow(ctlog2022, new Date(sctTime), new Date(sctTime))], 1), 1);
  });

  it('counts distinct logs, not SCTs (ERR_VERIFY_SCT_THRESHOLD)', () => {
    const twice = withSCTList(leaf, vec16(vec16(oneSCT), vec16(oneSCT)));
    assert.equal(verifyEmbeddedSCTs(twice, intermediate, publicGood.ctlogs, 1), 1);
    assertCode(() => verifyEmbeddedSCTs(twice, intermediate, publicGood.ctlogs, 2), 'ERR_VERIFY_SCT_THRESHOLD');
    assertCode(() => verifyEmbeddedSCTs(leaf, intermediate, publicGood.ctlogs, 2), 'ERR_VERIFY_SCT_THRESHOLD');
  });

  it('counts a known log beside an unknown one', () => {
    const unknown = Buffer.from(oneSCT);
    unknown[1] = (unknown[1] as number) ^ 0xff; // log_id starts at offset 1
    const mixed = withSCTList(leaf, vec16(vec16(unknown), vec16(oneSCT)));
    assert.equal(verifyEmbeddedSCTs(mixed, intermediate, publicGood.ctlogs, 1), 1);
  });

  it('requires SCTs when the threshold is positive (ERR_VERIFY_SCT_THRESHOLD)', () => {
    const bare = withSCTList(leaf, undefined);
    assertCode(() => verifyEmbeddedSCTs(bare, intermediate, publicGood.ctlogs, 1), 'ERR_VERIFY_SCT_THRESHOLD');
    assert.equal(verifyEmbeddedSCTs(bare, intermediate, publicGood.ctlogs, 0), 0);
  });

  const malformed: [string, Buffer][] = [
    ['an empty list', vec16()],
    ['an empty SCT', vec16(vec16())],
    ['a list length past the end', Buffer.concat([Buffer.of(0xff, 0xff), listBytes.subarray(2)])],
    ['a list length short of the end', Buffer.concat([Buffer.of(listBytes[0]!, listBytes[1]! - 1), listBytes.subarray(2)])],
    ['trailing bytes after the list', Buffer.concat([listBytes, Buffer.of(0)])],
    ['a truncated SCT', vec16(vec16(oneSCT.subarray(0, 40)))],
    ['trailing bytes inside an SCT', vec16(vec16(oneSCT, Buffer.of(0)))],
    ['an SCT version other than v1', vec16(vec16(Buffer.concat([Buffer.of(1), oneSCT.subarray(1)])))],
    ['a timestamp above 2^53', vec16(vec16(Buffer.concat([oneSCT.subarray(0, 33), Buffer.alloc(8, 0xff), oneSCT.subarray(41)])))],
    ['33 SCTs', vec16(...Array<Buffer>(33).fill(vec16(oneSCT)))],
  ];
  for (const [what, list] of malformed) {
    it(`rejects ${what} (ERR_VERIFY_SCT)`, () => {
      assertCode(() => verifyEmbeddedSCTs(withSCTList(leaf, list), intermediate, publicGood.ctlogs, 1), 'ERR_VERIFY_SCT');
    });
  }

  it('accepts 32 SCTs', () => {
    assert.equal(verifyEmbeddedSCTs(withSCTList(leaf, vec16(...Array<Buffer>(32).fill(vec16(oneSCT)))), intermediate, publicGood.ctlogs, 1), 1);
  });

  it('rejects an SCT extension that is not an OCTET STRING (ERR_VERIFY_SCT)', () => {
    const [tbs, alg, sig] = derChildren(parseDer(leaf.der));
    const fields = derChildren(tbs!).map((f) => {
      if (f.tag !== 0xa3) return derRaw(f);
      const exts = derChildren(derChildren(f)[0]!).map((e) =>
        derOid(derChildren(e)[0]!) === OID.sctList
          ? encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.OID, Buffer.from('2b06010401d679020402', 'hex')), encodeDer(DerTag.OCTET_STRING, encodeDer(DerTag.SEQUENCE, listBytes)))
          : derRaw(e),
      );
      return encodeDer(0xa3, encodeDer(DerTag.SEQUENCE, ...exts));
    });
    const cert = parseCertificate(encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.SEQUENCE, ...fields), derRaw(alg!), derRaw(sig!)));
    assertCode(() => verifyEmbeddedSCTs(cert, intermediate, publicGood.ctlogs, 1), 'ERR_VERIFY_SCT');
  });

  it('rejects a bad threshold as caller misuse', () => {
    assert.throws(() => verifyEmbeddedSCTs(leaf, intermediate, publicGood.ctlogs, -1), RangeError);
    assert.throws(() => verifyEmbeddedSCTs(leaf, intermediate, publicGood.ctlogs, 1.5), RangeError);
  });
});
