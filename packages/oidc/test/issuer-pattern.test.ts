import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchIssuerPattern } from '@signet/oidc';

describe('matchIssuerPattern', () => {
  const rows: [string, string, boolean][] = [
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB', true],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eks.x.amazonaws.com.evil.com/id/1', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://evil.com/?https://oidc.eks.x.amazonaws.com/id/1', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eks.a/b.amazonaws.com/id/1', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eks.a.b.amazonaws.com/id/1', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eks.x.amazonaws.com/id/1/2', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eksXx.amazonaws.com/id/1', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'https://oidc.eks.x.amazonawsXcom/id/1', false],
    ['https://oidc.eks.*.amazonaws.com/id/*', 'xhttps://oidc.eks.x.amazonaws.com/id/1', false],
    ['https://container.googleapis.com/v1/projects/*/locations/*/clusters/*', 'https://container.googleapis.com/v1/projects/p-1/locations/us_east1/clusters/c', true],
    ['https://container.googleapis.com/v1/projects/*/locations/*/clusters/*', 'https://container.googleapis.com/v1/projects/p/locations/l/clusters/', false],
    ['https://*.example.com', 'https://a.example.com', true],
    ['https://*.example.com', 'https://.example.com', false],
    ['https://*.example.com', 'https://a.example.com/', false],
    ['https://*.example.com', 'https://a:1.example.com', false],
    ['https://*.example.com', 'https://a%2f.example.com', false],
  ];
  for (const [pattern, issuer, expected] of rows) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${issuer}`, () => {
      assert.equal(matchIssuerPattern(pattern, issuer), expected);
    });
  }
  it('throws TypeError for a pattern without a wildcard or with http off loopback', () => {
    assert.throws(() => matchIssuerPattern('https://a.example.com', 'https://a.example.com'), TypeError);
    assert.throws(() => matchIssuerPattern('http://*.example.com', 'http://a.example.com'), TypeError);
    assert.equal(matchIssuerPattern('http://127.0.0.1:8080/*', 'http://127.0.0.1:8080/a'), true);
  });
});
