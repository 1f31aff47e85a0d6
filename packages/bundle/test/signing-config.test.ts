import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SIGNING_CONFIG_V02_MEDIA_TYPE, parseSigningConfig, serializeSigningConfig, type BundleErrorCode,
} from '@signet/bundle';
import { assertBundleError, del, set, type Json } from './helpers.js';

/** Shaped like the public-good signing_config.v0.2.json distributed over TUF. */
function configJson(): Json {
  return {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [{ url: 'https://fulcio.sigstore.dev', majorApiVersion: 1, validFor: { start: '2023-04-14T21:38:40Z' }, operator: 'sigstore.dev' }],
    oidcUrls: [{ url: 'https://oauth2.sigstore.dev/auth', majorApiVersion: 1, validFor: { start: '2025-04-16T00:00:00Z' }, operator: 'sigstore.dev' }],
    rekorTlogUrls: [
      { url: 'https://log2025-1.rekor.sigstore.dev', majorApiVersion: 2, validFor: { start: '2025-09-23T00:00:00Z' }, operator: 'sigstore.dev' },
      { url: 'https://rekor.sigstore.dev', majorApiVersion: 1, validFor: { start: '2021-01-12T11:53:27Z' }, operator: 'sigstore.dev' },
    ],
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: [{ url: 'https://timestamp.sigstore.dev/api/v1/timestamp', majorApiVersion: 1, validFor: { start: '2025-07-04T00:00:00Z' }, operator: 'sigstore.dev' }],
    tsaConfig: { selector: 'EXACT', count: 1 },
  };
}

function edited(edit: (j: Json) => unknown): () => unknown {
  return () => {
    const j = configJson();
    edit(j);
    return j;
  };
}

interface Row { name: string; input: () => unknown; code: BundleErrorCode; path: string }

const rows: Row[] = [
  { name: 'invalid JSON', input: () => '{', code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'v0.1 media type', input: edited((j) => set(j, 'mediaType', 'application/vnd.dev.sigstore.signingconfig.v0.1+json')), code: 'ERR_SIGNINGCONFIG_VERSION', path: '$.mediaType' },
  { name: 'missing media type', input: edited((j) => del(j, 'mediaType')), code: 'ERR_SIGNINGCONFIG_VERSION', path: '$.mediaType' },
  { name: 'service without validFor', input: edited((j) => del(j, 'caUrls.0.validFor')), code: 'ERR_SIGNINGCONFIG_VALIDITY', path: '$.caUrls[0].validFor' },
  { name: 'service validFor without start', input: edited((j) => set(j, 'rekorTlogUrls.1.validFor', { end: '2030-01-01T00:00:00Z' })), code: 'ERR_SIGNINGCONFIG_VALIDITY', path: '$.rekorTlogUrls[1].validFor.start' },
  { name: 'service without url', input: edited((j) => del(j, 'oidcUrls.0.url')), code: 'ERR_BUNDLE_MISSING', path: '$.oidcUrls[0].url' },
  { name: 'relative url', input: edited((j) => set(j, 'caUrls.0.url', '/api/v2')), code: 'ERR_SIGNINGCONFIG_URL', path: '$.caUrls[0].url' },
  { name: 'non-http url', input: edited((j) => set(j, 'tsaUrls.0.url', 'ftp://timestamp.example')), code: 'ERR_SIGNINGCONFIG_URL', path: '$.tsaUrls[0].url' },
  { name: 'undefined selector', input: edited((j) => set(j, 'rekorTlogConfig.selector', 'SERVICE_SELECTOR_UNDEFINED')), code: 'ERR_SIGNINGCONFIG_SELECTOR', path: '$.rekorTlogConfig.selector' },
  { name: 'missing selector', input: edited((j) => set(j, 'tsaConfig', {})), code: 'ERR_SIGNINGCONFIG_SELECTOR', path: '$.tsaConfig.selector' },
  { name: 'EXACT with count 0', input: edited((j) => set(j, 'tsaConfig', { selector: 'EXACT' })), code: 'ERR_SIGNINGCONFIG_SELECTOR', path: '$.tsaConfig.count' },
  { name: 'EXACT with more than listed', input: edited((j) => set(j, 'rekorTlogConfig', { selector: 'EXACT', count: 3 })), code: 'ERR_SIGNINGCONFIG_SELECTOR', path: '$.rekorTlogConfig.count' },
  { name: 'selector as an enum number', input: edited((j) => set(j, 'rekorTlogConfig.selector', 2)), code: 'ERR_BUNDLE_TYPE', path: '$.rekorTlogConfig.selector' },
  { name: 'negative majorApiVersion', input: edited((j) => set(j, 'caUrls.0.majorApiVersion', -1)), code: 'ERR_BUNDLE_INTEGER', path: '$.caUrls[0].majorApiVersion' },
  { name: 'majorApiVersion above uint32', input: edited((j) => set(j, 'caUrls.0.majorApiVersion', 2 ** 32)), code: 'ERR_BUNDLE_INTEGER', path: '$.caUrls[0].majorApiVersion' },
  { name: 'bad validity timestamp', input: edited((j) => set(j, 'caUrls.0.validFor.start', 'yesterday')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.caUrls[0].validFor.start' },
  { name: '101 services', input: edited((j) => set(j, 'tsaUrls', Array.from({ length: 101 }, () => configJson()['tsaUrls'] as unknown[]).flat())), code: 'ERR_BUNDLE_LIMIT', path: '$.tsaUrls' },
  { name: 'caUrls is a string', input: edited((j) => set(j, 'caUrls', 'https://fulcio.sigstore.dev')), code: 'ERR_BUNDLE_TYPE', path: '$.caUrls' },
];

describe('parseSigningConfig rejects malformed configs', () => {
  for (const row of rows) {
    it(`${row.name} → ${row.code} at ${row.path}`, () => {
      const input = row.input();
      assertBundleError(() => parseSigningConfig(input), row.code, row.path);
    });
  }
});

describe('parseSigningConfig', () => {
  it('reads services and selectors', () => {
    const c = parseSigningConfig(JSON.stringify(configJson()));
    assert.equal(c.mediaType, SIGNING_CONFIG_V02_MEDIA_TYPE);
    assert.deepEqual(c.caUrls[0], {
      url: 'https://fulcio.sigstore.dev', majorApiVersion: 1,
      validFor: { start: new Date('2023-04-14T21:38:40Z') }, operator: 'sigstore.dev',
    });
    assert.equal(c.rekorTlogUrls[0]!.majorApiVersion, 2);
    assert.deepEqual(c.rekorTlogConfig, { selector: 'ANY' });
    assert.deepEqual(c.tsaConfig, { selector: 'EXACT', count: 1 });
  });

  it('round-trips, and serializes to the original JSON', () => {
    const c = parseSigningConfig(configJson());
    const json = serializeSigningConfig(c);
    assert.deepEqual(parseSigningConfig(json), c);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), configJson());
  });

  it('defaults absent lists to empty and absent configurations to undefined', () => {
    const c = parseSigningConfig({ mediaType: SIGNING_CONFIG_V02_MEDIA_TYPE });
    assert.deepEqual(c, { mediaType: SIGNING_CONFIG_V02_MEDIA_TYPE, caUrls: [], oidcUrls: [], rekorTlogUrls: [], tsaUrls: [] });
    assert.deepEqual(serializeSigningConfig(c), { mediaType: SIGNING_CONFIG_V02_MEDIA_TYPE });
  });

  it('accepts majorApiVersion as a decimal string (proto3 JSON) and absent as 0', () => {
    const j = configJson();
    set(j, 'caUrls.0.majorApiVersion', '1');
    del(j, 'oidcUrls.0.majorApiVersion');
    const c = parseSigningConfig(j);
    assert.equal(c.caUrls[0]!.majorApiVersion, 1);
    assert.equal(c.oidcUrls[0]!.majorApiVersion, 0);
  });
});
