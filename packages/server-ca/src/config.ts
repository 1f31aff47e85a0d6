import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CAError } from './errors.js';
import { parseTemplate, TemplateError, type Template } from './template.js';

/*
 * The issuer configuration in Fulcio's own file format (fulcio pkg/config/config.go, docs/config.md),
 * so a Fulcio deployment's config file works unchanged: YAML with kebab-case keys (`oidc-issuers`,
 * `meta-issuers`, `ci-issuer-metadata`, `issuer-url`, `client-id`, …) or JSON with Go field names
 * (`OIDCIssuers`, `MetaIssuers`, `CIIssuerMetadata`, `IssuerURL`, `ClientID`, …). Unlike Fulcio,
 * unknown keys are errors: a misspelt key silently ignored is a policy hole.
 */

/** Issuer types the CA maps to certificates. The legacy CI types are aliases of `ci-provider`. */
export type IssuerType = 'email' | 'uri' | 'username' | 'spiffe' | 'kubernetes' | 'ci-provider';

/** One configured issuer (exact, or a meta-issuer pattern). */
export interface IssuerConfig {
  /** The exact issuer URL, or the meta-issuer pattern. */
  readonly issuer: string;
  readonly isPattern: boolean;
  /** Expected audience (`aud`). */
  readonly clientId: string;
  readonly type: IssuerType;
  /** For `ci-provider`: the `ci-issuer-metadata` entry. */
  readonly ciProvider: string | undefined;
  /** For `email`: a `$.a.b` path naming the claim that holds the upstream issuer (federated Dex tokens). */
  readonly issuerClaim: string | undefined;
  /** `uri` (with scheme) and `username` (host only) issuers. */
  readonly subjectDomain: string | undefined;
  readonly spiffeTrustDomain: string | undefined;
  /** The claim whose value the proof of possession signs. */
  readonly challengeClaim: string;
  readonly skipEmailVerification: boolean;
  readonly description: string | undefined;
}

/** Certificate extensions a CI mapping can fill, by Fulcio's kebab-case name. */
export const EXTENSION_OIDS = {
  'github-workflow-trigger': '1.3.6.1.4.1.57264.1.2',
  'github-workflow-sha': '1.3.6.1.4.1.57264.1.3',
  'github-workflow-name': '1.3.6.1.4.1.57264.1.4',
  'github-workflow-repository': '1.3.6.1.4.1.57264.1.5',
  'github-workflow-ref': '1.3.6.1.4.1.57264.1.6',
  'build-signer-uri': '1.3.6.1.4.1.57264.1.9',
  'build-signer-digest': '1.3.6.1.4.1.57264.1.10',
  'runner-environment': '1.3.6.1.4.1.57264.1.11',
  'source-repository-uri': '1.3.6.1.4.1.57264.1.12',
  'source-repository-digest': '1.3.6.1.4.1.57264.1.13',
  'source-repository-ref': '1.3.6.1.4.1.57264.1.14',
  'source-repository-identifier': '1.3.6.1.4.1.57264.1.15',
  'source-repository-owner-uri': '1.3.6.1.4.1.57264.1.16',
  'source-repository-owner-identifier': '1.3.6.1.4.1.57264.1.17',
  'build-config-uri': '1.3.6.1.4.1.57264.1.18',
  'build-config-digest': '1.3.6.1.4.1.57264.1.19',
  'build-trigger': '1.3.6.1.4.1.57264.1.20',
  'run-invocation-uri': '1.3.6.1.4.1.57264.1.21',
  'source-repository-visibility-at-signing': '1.3.6.1.4.1.57264.1.22',
  'deployment-environment': '1.3.6.1.4.1.57264.1.23',
} as const;
export type ExtensionName = keyof typeof EXTENSION_OIDS;

/** The deprecated GitHub extensions .1.2–.1.6 hold raw bytes, not DER (fulcio oid-info.md). */
export const RAW_EXTENSIONS: ReadonlySet<string> = new Set(['1.3.6.1.4.1.57264.1.2', '1.3.6.1.4.1.57264.1.3', '1.3.6.1.4.1.57264.1.4', '1.3.6.1.4.1.57264.1.5', '1.3.6.1.4.1.57264.1.6']);

/** A CI provider's claim mapping: templates over claims and defaults. */
export interface CIIssuerMetadata {
  readonly defaultTemplateValues: ReadonlyMap<string, string>;
  readonly extensionTemplates: ReadonlyMap<ExtensionName, Template>;
  readonly subjectAlternativeNameTemplate: Template;
}

/** A validated configuration. */
export interface CAConfig {
  readonly oidcIssuers: readonly IssuerConfig[];
  readonly metaIssuers: readonly IssuerConfig[];
  /** Built-in mappings (github-workflow, gitlab-pipeline, buildkite-job) overlaid with the file's. */
  readonly ciIssuerMetadata: ReadonlyMap<string, CIIssuerMetadata>;
}

// PascalCase (JSON, Go field names) → kebab-case (YAML tags).
const pascalToKebab = (s: string): string =>
  ({ OIDCIssuers: 'oidc-issuers', MetaIssuers: 'meta-issuers', CIIssuerMetadata: 'ci-issuer-metadata', IssuerURL: 'issuer-url', ClientID: 'client-id', CIProvider: 'ci-provider', SPIFFETrustDomain: 'spiffe-trust-domain', CACert: 'ca-cert', BuildSignerURI: 'build-signer-uri', SourceRepositoryURI: 'source-repository-uri', SourceRepositoryOwnerURI: 'source-repository-owner-uri', BuildConfigURI: 'build-config-uri', RunInvocationURI: 'run-invocation-uri' } as Record<string, string>)[s]
  ?? s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function fail(path: string, message: string, cause?: unknown): never {
  throw new CAError('ERR_CA_CONFIG', `${path}: ${message}`, cause === undefined ? undefined : { cause });
}

function asMap(v: unknown, path: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be a mapping');
  return v as Record<string, unknown>;
}

/** Normalizes both spellings of a mapping's keys to kebab-case, rejecting unknown and duplicate keys. */
function normalize(obj: Record<string, unknown>, allowed: readonly string[], path: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const key = allowed.includes(k) ? k : pascalToKebab(k);
    if (!allowed.includes(key)) fail(`${path}.${k}`, `unknown key (expected one of ${allowed.join(', ')})`);
    if (out.has(key)) fail(`${path}.${k}`, 'given twice (both spellings)');
    out.set(key, v);
  }
  return out;
}

function str(m: Map<string, unknown>, key: string, path: string): string | undefined {
  const v = m.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`${path}.${key}`, 'must be a string');
  return v;
}

const ISSUER_KEYS = ['issuer-url', 'client-id', 'type', 'ci-provider', 'issuer-claim', 'subject-domain', 'spiffe-trust-domain', 'challenge-claim', 'skip-email-verification', 'description', 'contact', 'ca-cert'];
const LEGACY_CI_TYPES: Record<string, string> = { 'github-workflow': 'github-workflow', 'gitlab-pipeline': 'gitlab-pipeline', 'buildkite-job': 'buildkite-job' };
const TYPES: readonly string[] = ['email', 'uri', 'username', 'spiffe', 'kubernetes', 'ci-provider'];

function parseUrl(s: string, path: string): URL {
  try {
    return new URL(s);
  } catch (cause) {
    fail(path, `not a URL: ${JSON.stringify(s)}`, cause);
  }
}

/** Fulcio's domain rule: equal hostnames, or the same top- and second-level labels. */
function sameRegisteredDomain(a: string, b: string): boolean {
  if (a === b) return true;
  const x = a.split('.');
  const y = b.split('.');
  return x.length >= 2 && y.length >= 2 && x.at(-1) === y.at(-1) && x.at(-2) === y.at(-2);
}

function readIssuer(key: string, raw: unknown, isPattern: boolean, path: string): IssuerConfig {
  const m = normalize(asMap(raw, path), ISSUER_KEYS, path);
  const issuerUrl = str(m, 'issuer-url', path);
  if (!isPattern) {
    if (issuerUrl === undefined) fail(`${path}.issuer-url`, 'is required');
    if (issuerUrl !== key) fail(`${path}.issuer-url`, `must equal the map key ${JSON.stringify(key)}`);
  }
  const url = parseUrl(key.replaceAll('*', 'x'), path);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))) {
    fail(path, 'issuer URLs must be https (http only on loopback)');
  }
  if (isPattern && !key.includes('*')) fail(path, 'a meta-issuer pattern needs at least one *');
  if (!isPattern && key.includes('*')) fail(path, 'an exact issuer URL must not contain *');
  let type = str(m, 'type', path);
  if (type === undefined) fail(`${path}.type`, 'is required');
  let ciProvider = str(m, 'ci-provider', path);
  if (LEGACY_CI_TYPES[type]) {
    ciProvider ??= LEGACY_CI_TYPES[type];
    type = 'ci-provider';
  }
  if (!TYPES.includes(type)) fail(`${path}.type`, `unsupported issuer type ${JSON.stringify(type)} (supported: ${[...TYPES, ...Object.keys(LEGACY_CI_TYPES)].join(', ')})`);
  if (type === 'ci-provider' && !ciProvider) fail(`${path}.ci-provider`, 'is required for type ci-provider');
  if (type !== 'ci-provider' && ciProvider) fail(`${path}.ci-provider`, `is only valid for type ci-provider`);
  const issuerClaim = str(m, 'issuer-claim', path);
  if (issuerClaim !== undefined) {
    if (type !== 'email') fail(`${path}.issuer-claim`, 'only email issuers can use issuer claim mapping');
    if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(issuerClaim)) fail(`${path}.issuer-claim`, 'must be a JSONPath like $.federated_claims.connector_id');
  }
  const subjectDomain = str(m, 'subject-domain', path);
  const spiffeTrustDomain = str(m, 'spiffe-trust-domain', path);
  if (type === 'spiffe') {
    if (isPattern) fail(`${path}.type`, 'SPIFFE meta issuers are not supported');
    if (!spiffeTrustDomain) fail(`${path}.spiffe-trust-domain`, 'is required for spiffe issuers');
    if (!/^[a-z0-9._-]+$/.test(spiffeTrustDomain)) fail(`${path}.spiffe-trust-domain`, 'is not a valid SPIFFE trust domain');
  }
  if (type === 'uri') {
    if (!subjectDomain) fail(`${path}.subject-domain`, 'is required for uri issuers');
    const d = parseUrl(subjectDomain, `${path}.subject-domain`);
    if (!isPattern && (d.protocol !== url.protocol || !sameRegisteredDomain(d.hostname, url.hostname))) {
      fail(`${path}.subject-domain`, 'must have the issuer URL scheme and share its top- and second-level domain');
    }
  }
  if (type === 'username') {
    if (!subjectDomain) fail(`${path}.subject-domain`, 'is required for username issuers');
    if (subjectDomain.includes('://') || !/^[A-Za-z0-9.-]+$/.test(subjectDomain)) fail(`${path}.subject-domain`, 'must be a host name without scheme');
    if (!isPattern && !sameRegisteredDomain(subjectDomain, url.hostname)) fail(`${path}.subject-domain`, 'must share the issuer host\'s top- and second-level domain');
  }
  const skip = m.get('skip-email-verification');
  if (skip !== undefined && typeof skip !== 'boolean') fail(`${path}.skip-email-verification`, 'must be true or false');
  const clientId = str(m, 'client-id', path);
  if (!clientId) fail(`${path}.client-id`, 'is required');
  const challengeClaim = str(m, 'challenge-claim', path) ?? (type === 'email' ? 'email' : 'sub');
  return {
    issuer: key, isPattern, clientId, type: type as IssuerType, ciProvider, issuerClaim, subjectDomain, spiffeTrustDomain, challengeClaim,
    skipEmailVerification: skip === true, description: str(m, 'description', path),
  };
}

function template(source: unknown, path: string): Template {
  if (typeof source !== 'string') fail(path, 'must be a string');
  try {
    return parseTemplate(source);
  } catch (cause) {
    if (cause instanceof TemplateError) fail(path, `bad template: ${cause.message}`, cause);
    throw cause;
  }
}

function readMetadata(raw: unknown, path: string): CIIssuerMetadata {
  const m = normalize(asMap(raw, path), ['default-template-values', 'extension-templates', 'claims-templates', 'subject-alternative-name-template'], path);
  const defaults = new Map<string, string>();
  for (const [k, v] of Object.entries(asMap(m.get('default-template-values'), `${path}.default-template-values`))) {
    if (typeof v !== 'string') fail(`${path}.default-template-values.${k}`, 'must be a string');
    defaults.set(k, v);
  }
  const extensionTemplates = new Map<ExtensionName, Template>();
  const exts = m.get('extension-templates') ?? m.get('claims-templates');
  const extPath = `${path}.extension-templates`;
  for (const [k, v] of normalize(asMap(exts, extPath), Object.keys(EXTENSION_OIDS), extPath)) {
    extensionTemplates.set(k as ExtensionName, template(v, `${extPath}.${k}`));
  }
  const san = m.get('subject-alternative-name-template');
  if (san === undefined) fail(`${path}.subject-alternative-name-template`, 'is required');
  return { defaultTemplateValues: defaults, extensionTemplates, subjectAlternativeNameTemplate: template(san, `${path}.subject-alternative-name-template`) };
}

/**
 * Ready mappings, following Fulcio's production config for GitHub Actions and Buildkite. The
 * GitLab mapping takes the instance URL from the token's `iss` (GitLab sets it to the instance's
 * own URL), so self-managed GitLab hosts get their own host, never gitlab.com.
 */
export const BUILTIN_CI_METADATA: Readonly<Record<string, unknown>> = {
  'github-workflow': {
    'default-template-values': { url: 'https://github.com', environment: '' },
    'extension-templates': {
      'github-workflow-trigger': 'event_name',
      'github-workflow-sha': 'sha',
      'github-workflow-name': 'workflow',
      'github-workflow-repository': 'repository',
      'github-workflow-ref': 'ref',
      'build-signer-uri': '{{ .url }}/{{ .job_workflow_ref }}',
      'build-signer-digest': 'job_workflow_sha',
      'runner-environment': 'runner_environment',
      'source-repository-uri': '{{ .url }}/{{ .repository }}',
      'source-repository-digest': 'sha',
      'source-repository-ref': 'ref',
      'source-repository-identifier': 'repository_id',
      'source-repository-owner-uri': '{{ .url }}/{{ .repository_owner }}',
      'source-repository-owner-identifier': 'repository_owner_id',
      'build-config-uri': '{{ .url }}/{{ .workflow_ref }}',
      'build-config-digest': 'workflow_sha',
      'build-trigger': 'event_name',
      'run-invocation-uri': '{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}',
      'source-repository-visibility-at-signing': 'repository_visibility',
      'deployment-environment': 'environment',
    },
    'subject-alternative-name-template': '{{ .url }}/{{ .job_workflow_ref }}',
  },
  'gitlab-pipeline': {
    'default-template-values': { environment: '' },
    'extension-templates': {
      'build-signer-uri': 'https://{{ .ci_config_ref_uri }}',
      'build-signer-digest': 'ci_config_sha',
      'runner-environment': 'runner_environment',
      'source-repository-uri': '{{ .iss }}/{{ .project_path }}',
      'source-repository-digest': 'sha',
      'source-repository-ref': 'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}',
      'source-repository-identifier': 'project_id',
      'source-repository-owner-uri': '{{ .iss }}/{{ .namespace_path }}',
      'source-repository-owner-identifier': 'namespace_id',
      'build-config-uri': 'https://{{ .ci_config_ref_uri }}',
      'build-config-digest': 'ci_config_sha',
      'build-trigger': 'pipeline_source',
      'run-invocation-uri': '{{ .iss }}/{{ .project_path }}/-/jobs/{{ .job_id }}',
      'source-repository-visibility-at-signing': 'project_visibility',
      'deployment-environment': 'environment',
    },
    'subject-alternative-name-template': 'https://{{ .ci_config_ref_uri }}',
  },
  'buildkite-job': {
    'default-template-values': { url: 'https://buildkite.com' },
    'extension-templates': {
      'run-invocation-uri': '{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}/builds/{{.build_number}}#{{.job_id}}',
      'runner-environment': 'runner_environment',
      'source-repository-digest': 'build_commit',
      'build-trigger': 'build_source',
    },
    'subject-alternative-name-template': '{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}',
  },
};

/**
 * Validates a parsed configuration object (either spelling).
 * @throws CAError `ERR_CA_CONFIG` naming the offending field
 */
export function readCAConfig(raw: unknown): CAConfig {
  const top = normalize(asMap(raw, '$'), ['oidc-issuers', 'meta-issuers', 'ci-issuer-metadata', 'define'], '$');
  const oidcIssuers = Object.entries(asMap(top.get('oidc-issuers'), '$.oidc-issuers')).map(([k, v]) => readIssuer(k, v, false, `$.oidc-issuers["${k}"]`));
  const metaIssuers = Object.entries(asMap(top.get('meta-issuers'), '$.meta-issuers')).map(([k, v]) => readIssuer(k, v, true, `$.meta-issuers["${k}"]`));
  if (oidcIssuers.length + metaIssuers.length === 0) fail('$.oidc-issuers', 'no issuer is configured');
  const ciIssuerMetadata = new Map<string, CIIssuerMetadata>();
  for (const [k, v] of Object.entries(BUILTIN_CI_METADATA)) ciIssuerMetadata.set(k, readMetadata(v, `(built-in ${k})`));
  for (const [k, v] of Object.entries(asMap(top.get('ci-issuer-metadata'), '$.ci-issuer-metadata'))) {
    ciIssuerMetadata.set(k, readMetadata(v, `$.ci-issuer-metadata["${k}"]`));
  }
  for (const iss of [...oidcIssuers, ...metaIssuers]) {
    if (iss.type === 'ci-provider' && !ciIssuerMetadata.has(iss.ciProvider as string)) {
      fail(`${iss.isPattern ? '$.meta-issuers' : '$.oidc-issuers'}["${iss.issuer}"].ci-provider`, `no ci-issuer-metadata entry named ${JSON.stringify(iss.ciProvider)}`);
    }
  }
  return { oidcIssuers, metaIssuers, ciIssuerMetadata };
}

/**
 * Parses a Fulcio configuration file's text: JSON first (as Fulcio does), then YAML.
 * @throws CAError `ERR_CA_CONFIG`
 */
export function parseCAConfig(text: string): CAConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    try {
      // Fulcio's production config writes alias keys as `*github-type:` (Go's yaml.v3 reads the
      // alias name up to the colon); YAML 1.2 lets alias names contain ':', so separate them.
      const fulcioAliases = text.replace(/^(\s*)\*([A-Za-z0-9_-]+):/gm, '$1*$2 :');
      raw = parseYaml(fulcioAliases, { maxAliasCount: 100, uniqueKeys: true });
    } catch (cause) {
      fail('$', `neither JSON nor YAML: ${(cause as Error).message}`, cause);
    }
  }
  return readCAConfig(raw);
}

/**
 * Reads and validates a configuration file.
 * @throws CAError `ERR_CA_CONFIG`
 */
export function loadCAConfig(path: string): CAConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    fail(path, 'cannot read the issuer configuration file', cause);
  }
  return parseCAConfig(text);
}
