import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A public JWK as published in the issuer's JWKS. */
export interface PublicJWK {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** The issuer's ES256 signing key. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJWK;
  /** The private JWK handed to oidc-provider (it signs the PKCE flow's id_tokens with it). */
  readonly privateJwk: Record<string, unknown>;
}

const KEY_FILE = 'oidc-dev-signing-key.json';

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  const jwk = privateKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string; d: string };
  // RFC 7638 thumbprint as kid: stable across restarts when the key is kept in a data dir.
  const kid = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  const publicJwk: PublicJWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
  return { privateKey, publicJwk, privateJwk: { ...publicJwk, d: jwk.d } };
}

/** A fresh in-memory key, or the one kept in `dataDir` (created there with mode 0600 on first use). */
export async function loadSigningKey(dataDir?: string): Promise<SigningKey> {
  if (dataDir === undefined) return fromPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const file = join(dataDir, KEY_FILE);
  try {
    const jwk = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    return fromPrivateKey(createPrivateKey({ key: jwk as never, format: 'jwk' }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = fromPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { kty, crv, x, y, d } = key.privateJwk;
  await writeFile(file, JSON.stringify({ kty, crv, x, y, d }), { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return key;
}

/** Signs a JWT (compact JWS, ES256) with `key`. */
export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = { alg: 'ES256', typ: 'JWT', kid: key.publicJwk.kid };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  // RFC 7518 §3.4: ES256 signatures are R || S, not DER.
  const sig = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64url');
