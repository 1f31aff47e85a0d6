import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BundleError, parseBundle, parseSigningConfig, parseTrustedRoot, type BundleErrorCode,
} from '@signet/bundle';
import { PUBLIC_GOOD_ROOT, caseJson, del, readCase, set } from './helpers.js';
import { readFileSync } from 'node:fs';

const root = () => JSON.parse(readFileSync(PUBLIC_GOOD_ROOT, 'utf8')) as Record<string, unknown>;
const SC = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';
const service = { url: 'https://ca.example', validFor: { start: '2025-01-01T00:00:00Z' } };

/**
 * One input per code. The `Record` type makes the compiler reject this table when a code is
 * added to `BundleErrorCode` without a test that produces it.
 */
const producers: Record<BundleErrorCode, () => unknown> = {
  ERR_BUNDLE_JSON: () => parseBundle('{"mediaType":'),
  ERR_BUNDLE_VERSION: () => parseBundle(readCase('bundle-unknown-version_fail')),
  ERR_BUNDLE_MISSING: () => parseBundle(del(caseJson('happy-path-v0.3'), 'verificationMaterial')),
  ERR_BUNDLE_TYPE: () => parseBundle('[]'),
  ERR_BUNDLE_BASE64: () => parseBundle(set(caseJson('happy-path-v0.3'), 'messageSignature.signature', 'Q===')),
  ERR_BUNDLE_INTEGER: () => parseBundle(set(caseJson('happy-path-v0.3'), 'verificationMaterial.tlogEntries.0.logIndex', '-1')),
  ERR_BUNDLE_LIMIT: () => parseBundle(set(caseJson('happy-path-v0.3'), 'verificationMaterial.tlogEntries', new Array(33).fill({}))),
  ERR_BUNDLE_ONEOF: () => parseBundle(del(caseJson('happy-path-v0.3'), 'messageSignature')),
  ERR_BUNDLE_TIMESTAMP: () => parseTrustedRoot(set(root(), 'tlogs.0.publicKey.validFor.start', '2021-13-01T00:00:00Z')),
  ERR_BUNDLE_ENUM: () => parseBundle(set(caseJson('happy-path-v0.3'), 'messageSignature.messageDigest.algorithm', 'SHA1')),
  ERR_BUNDLE_CONSTRAINT: () => parseBundle(set(caseJson('happy-path-v0.1'), 'mediaType', 'application/vnd.dev.sigstore.bundle.v0.3+json')),
  ERR_TRUSTROOT_VERSION: () => parseTrustedRoot(set(root(), 'mediaType', 'application/json')),
  ERR_TRUSTROOT_VALIDITY: () => parseTrustedRoot(set(root(), 'tlogs.0.publicKey.validFor', {})),
  ERR_SIGNINGCONFIG_VERSION: () => parseSigningConfig({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json' }),
  ERR_SIGNINGCONFIG_VALIDITY: () => parseSigningConfig({ mediaType: SC, caUrls: [{ url: 'https://ca.example' }] }),
  ERR_SIGNINGCONFIG_SELECTOR: () => parseSigningConfig({ mediaType: SC, tsaUrls: [service], tsaConfig: { selector: 'EXACT', count: 2 } }),
  ERR_SIGNINGCONFIG_URL: () => parseSigningConfig({ mediaType: SC, caUrls: [{ ...service, url: 'fulcio' }] }),
};

describe('BundleError codes', () => {
  for (const [code, produce] of Object.entries(producers)) {
    it(`${code} is produced`, () => {
      assert.throws(produce, (err: unknown) => err instanceof BundleError && err.code === code && err.path.startsWith('$'));
    });
  }

  it('is a SignetError subclass named BundleError with the path in front of the message', () => {
    try {
      parseBundle('{');
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof BundleError);
      assert.equal(err.name, 'BundleError');
      assert.match(err.message, /^\$: invalid JSON/);
      assert.ok(err.cause instanceof SyntaxError);
    }
  });
});
