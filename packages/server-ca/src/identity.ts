import { CAError } from './errors.js';
import { EXTENSION_OIDS, RAW_EXTENSIONS, type CAConfig, type IssuerConfig } from './config.js';
import { renderTemplate, TemplateError } from './template.js';

/*
 * From verified token claims to what a certificate says (fulcio pkg/identity/*): the one SAN,
 * the issuer extensions, the CI claim extensions, and the claim the proof of possession signs.
 */

/** The certificate's one subject alternative name. */
export type SubjectAltName =
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  /** OtherName 1.3.6.1.4.1.57264.1.7, UTF8String. */
  | { type: 'username'; value: string };

/** One Fulcio extension: dotted OID and value; `raw` values are written as bytes, others as DER UTF8String. */
export interface IdentityExtension {
  readonly oid: string;
  readonly value: string;
  readonly raw: boolean;
}

/** What a verified token entitles its bearer to. */
export interface Principal {
  /** The token's `iss`, as recorded in .1.1/.1.8 (for federated email issuers: the upstream issuer). */
  readonly issuer: string;
  readonly san: SubjectAltName;
  /** Extensions in OID order, .1.1 and .1.8 first. */
  readonly extensions: readonly IdentityExtension[];
  /** The value the proof of possession signs. */
  readonly challenge: string;
}

/** The claims of a verified token. */
export type Claims = Readonly<Record<string, unknown>>;

/** Fulcio's Token Subject extension: the token's raw `sub` (recorded for CI identities, whose SAN is not the `sub`). */
export const TOKEN_SUBJECT_OID = '1.3.6.1.4.1.57264.1.24';
const ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

function identityError(message: string, cause?: unknown): CAError {
  return new CAError('ERR_CA_IDENTITY', message, cause === undefined ? undefined : { cause });
}

function stringClaim(claims: Claims, name: string): string {
  const v = claims[name];
  if (typeof v !== 'string' || v === '') throw identityError(`token has no ${name} claim`);
  return v;
}

/** Claims usable in templates: strings, and numbers/booleans in their JSON spelling. */
function templateData(claims: Claims, defaults: ReadonlyMap<string, string>): Map<string, string> {
  const data = new Map(defaults);
  for (const [k, v] of Object.entries(claims)) {
    if (typeof v === 'string') data.set(k, v);
    else if (typeof v === 'number' || typeof v === 'boolean') data.set(k, String(v));
  }
  return data;
}

function byPath(claims: Claims, path: string): unknown {
  let v: unknown = claims;
  for (const part of path.slice(2).split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** The configured issuer entry a token issuer falls under: exact first, then anchored patterns. */
export function findIssuer(config: CAConfig, iss: string): IssuerConfig | undefined {
  const exact = config.oidcIssuers.find((i) => i.issuer === iss);
  if (exact) return exact;
  return config.metaIssuers.find((m) => metaPattern(m.issuer).test(iss));
}

/** Fulcio's meta-issuer rule: `*` matches `[-_a-zA-Z0-9]+`, anchored at both ends. */
export function metaPattern(pattern: string): RegExp {
  const quoted = pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${quoted.join('[-_a-zA-Z0-9]+')}$`);
}

function isHttpUrl(s: string): URL | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps verified claims to the certificate identity, by issuer type.
 * @throws CAError `ERR_CA_IDENTITY` when a claim the mapping needs is missing or does not fit
 *   the issuer's domain rules
 */
export function principalFromClaims(config: CAConfig, issuer: IssuerConfig, claims: Claims): Principal {
  const iss = stringClaim(claims, 'iss');
  const sub = stringClaim(claims, 'sub');
  let san: SubjectAltName;
  let recordedIssuer = iss;
  const ci: IdentityExtension[] = [];
  switch (issuer.type) {
    case 'email': {
      const email = stringClaim(claims, 'email');
      if (!issuer.skipEmailVerification && claims['email_verified'] !== true) throw identityError('email is not verified by the issuer');
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw identityError('email claim is not an address');
      san = { type: 'email', value: email };
      if (issuer.issuerClaim) {
        const upstream = byPath(claims, issuer.issuerClaim);
        if (typeof upstream !== 'string' || upstream === '') throw identityError(`token has no ${issuer.issuerClaim} claim`);
        recordedIssuer = upstream;
      }
      break;
    }
    case 'uri': {
      const u = isHttpUrl(sub);
      const domain = new URL(issuer.subjectDomain as string);
      if (!u || u.protocol !== domain.protocol || (u.hostname !== domain.hostname && !u.hostname.endsWith(`.${domain.hostname}`))) {
        throw identityError(`subject ${JSON.stringify(sub)} is not a URI under ${issuer.subjectDomain}`);
      }
      san = { type: 'uri', value: sub };
      break;
    }
    case 'username': {
      if (sub.includes('@') || /\s/.test(sub)) throw identityError('username subject must not contain @ or spaces');
      san = { type: 'username', value: `${sub}@${issuer.subjectDomain}` };
      break;
    }
    case 'spiffe': {
      const prefix = `spiffe://${issuer.spiffeTrustDomain}/`;
      if (!sub.startsWith(prefix) || sub.length === prefix.length) throw identityError(`subject is not a SPIFFE ID in trust domain ${issuer.spiffeTrustDomain}`);
      san = { type: 'uri', value: sub };
      break;
    }
    case 'kubernetes': {
      const k8s = claims['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown } } | undefined;
      const ns = k8s?.namespace;
      const sa = k8s?.serviceaccount?.name;
      if (typeof ns !== 'string' || typeof sa !== 'string' || !ns || !sa) throw identityError('token has no kubernetes.io namespace and service account');
      san = { type: 'uri', value: `https://kubernetes.io/namespaces/${ns}/serviceaccounts/${sa}` };
      break;
    }
    case 'ci-provider': {
      const meta = config.ciIssuerMetadata.get(issuer.ciProvider as string);
      if (!meta) throw identityError(`no claim mapping ${issuer.ciProvider}`);
      const data = templateData(claims, meta.defaultTemplateValues);
      try {
        const sanValue = renderTemplate(meta.subjectAlternativeNameTemplate, data);
        if (!isHttpUrl(sanValue)) throw identityError(`mapped SAN ${JSON.stringify(sanValue)} is not a URI`);
        san = { type: 'uri', value: sanValue };
        for (const [name, t] of meta.extensionTemplates) {
          const value = renderTemplate(t, data);
          // Fulcio omits extensions whose value is empty (e.g. no deployment environment).
          if (value !== '') ci.push({ oid: EXTENSION_OIDS[name], value, raw: RAW_EXTENSIONS.has(EXTENSION_OIDS[name]) });
        }
      } catch (cause) {
        if (cause instanceof TemplateError) throw identityError(`claim mapping ${issuer.ciProvider}: ${cause.message}`, cause);
        throw cause;
      }
      ci.push({ oid: TOKEN_SUBJECT_OID, value: sub, raw: false });
      break;
    }
  }
  const challengeValue = claims[issuer.challengeClaim];
  if (typeof challengeValue !== 'string' || challengeValue === '') throw identityError(`token has no ${issuer.challengeClaim} claim to prove possession over`);
  const arc = (oid: string) => Number(oid.slice(oid.lastIndexOf('.') + 1));
  const extensions = [
    { oid: ISSUER_V1, value: recordedIssuer, raw: true },
    { oid: ISSUER_V2, value: recordedIssuer, raw: false },
    ...ci,
  ].sort((a, b) => arc(a.oid) - arc(b.oid));
  return { issuer: recordedIssuer, san, extensions, challenge: challengeValue };
}
