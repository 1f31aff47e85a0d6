import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Key, Signature } from '@tufjs/models';
import { TufError } from './errors.js';

/** TUF key types we sign with (TUF 1.0 §4.2 "keytype"/"scheme"). */
export type TufKeyType = 'ecdsa-sha2-nistp256' | 'ed25519';

/** A private key able to sign TUF metadata, with its public TUF form and key ID. */
export interface TufSigningKey {
  readonly keyID: string;
  readonly keyType: TufKeyType;
  /** The public key as it appears in root.json `keys`. */
  readonly publicKey: Key;
  readonly privateKey: KeyObject;
}

/** Generates a fresh signing key. */
export function generateSigningKey(type: TufKeyType = 'ecdsa-sha2-nistp256'): TufSigningKey {
  const { privateKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return signingKeyFromPrivate(privateKey);
}

/**
 * Wraps a node:crypto private key (ECDSA P-256 or Ed25519) as a TUF signing key.
 * @throws TufError `ERR_TUF_KEY` for other key types.
 */
export function signingKeyFromPrivate(privateKey: KeyObject): TufSigningKey {
  const pub = createPublicKey(privateKey);
  let keyType: TufKeyType;
  let publicValue: string;
  if (privateKey.asymmetricKeyType === 'ed25519') {
    keyType = 'ed25519';
    // TUF 1.0 §4.2: ed25519 public keys are 64 hex digits (the raw 32-byte key), the SPKI tail.
    const der = pub.export({ type: 'spki', format: 'der' });
    publicValue = der.subarray(der.length - 32).toString('hex');
  } else if (privateKey.asymmetricKeyType === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    keyType = 'ecdsa-sha2-nistp256';
    // TUF 1.0 §4.2: ecdsa-sha2-nistp256 public keys are PEM (SubjectPublicKeyInfo).
    publicValue = pub.export({ type: 'spki', format: 'pem' }).toString();
  } else {
    throw new TufError('ERR_TUF_KEY', `unsupported TUF key: ${privateKey.asymmetricKeyType ?? 'unknown'} (use ECDSA P-256 or Ed25519)`);
  }
  const body = { keytype: keyType, scheme: keyType, keyval: { public: publicValue } };
  // TUF 1.0 §4.2: KEYID is the SHA-256 of the canonical JSON of the public key object.
  const keyID = createHash('sha256').update(canonicalStringJSON(body)).digest('hex');
  const publicKey = new Key({ keyID, keyType, scheme: keyType, keyVal: { public: publicValue } });
  return { keyID, keyType, publicKey, privateKey };
}

/** Signs the canonical bytes of `signed` metadata as `Metadata.sign` expects. */
export function signerFor(key: TufSigningKey): (data: Buffer) => Signature {
  return (data) => {
    // ECDSA signatures are DER (what tuf-js and python-tuf verify); Ed25519 takes no digest.
    const sig = key.keyType === 'ed25519' ? sign(null, data, key.privateKey) : sign('sha256', data, key.privateKey);
    return new Signature({ keyID: key.keyID, sig: sig.toString('hex') });
  };
}

/**
 * OLPC canonical JSON, as TUF uses it, for the only shape key IDs need: objects of strings.
 * Unlike RFC 8785, only `"` and `\` are escaped, so PEM newlines stay raw.
 */
function canonicalStringJSON(value: unknown): string {
  if (typeof value === 'string') return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().map((k) => `${canonicalStringJSON(k)}:${canonicalStringJSON(obj[k])}`).join(',')}}`;
}

/** Writes a private key as PKCS#8 PEM, mode 0600, in `dir` (created 0700); returns the path. */
export function writeKeyFile(dir: string, role: string, key: TufSigningKey): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${role}-${key.keyID.slice(0, 16)}.pem`);
  writeFileSync(path, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return path;
}

/**
 * Reads every `*.pem` private key in `dir`. A key file readable by group or others is refused,
 * as ssh does: these keys decide what every client trusts.
 * @throws TufError `ERR_TUF_KEY` for an unreadable, malformed, unsupported or exposed key file.
 */
export function readKeyDir(dir: string): TufSigningKey[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pem')).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TufError('ERR_TUF_KEY', `cannot read key directory ${dir}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
  const keys: TufSigningKey[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
        throw new TufError('ERR_TUF_KEY', `key file ${path} is accessible by group or others (chmod 600 it)`);
      }
      keys.push(signingKeyFromPrivate(createPrivateKey(readFileSync(path))));
    } catch (cause) {
      if (cause instanceof TufError) throw cause;
      throw new TufError('ERR_TUF_KEY', `cannot use key file ${path}: ${(cause as Error).message}`, { cause });
    }
  }
  return keys;
}
