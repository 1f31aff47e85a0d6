import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePem, encodePem, importPrivateKey } from '@signet/core';
import { TimestampError } from './errors.js';
import { generateTimestampAuthorityChain, type TimestampChainOptions } from './tsa-chain.js';
import { createKeyTimestampSigner, type TimestampSigner } from './signer.js';

/** File names inside a TSA data directory. */
export const TSA_KEY_FILE = 'tsa-key.pem';
export const TSA_CHAIN_FILE = 'tsa-chain.pem';

function storeError(message: string, cause?: unknown): never {
  throw new TimestampError('ERR_TSA_STORE', message, cause === undefined ? undefined : { cause });
}

/**
 * A signer from PEM text: a PKCS#8/SEC1/PKCS#1 private key and the chain as CERTIFICATE blocks,
 * leaf first.
 * @throws TimestampError `ERR_TSA_KEY`, `ERR_TSA_CHAIN`
 */
export function timestampSignerFromPem(keyPem: string, chainPem: string): TimestampSigner {
  let key;
  try {
    key = importPrivateKey(keyPem);
  } catch (cause) {
    throw new TimestampError('ERR_TSA_KEY', `the TSA key cannot be read: ${(cause as Error).message}`, { cause });
  }
  let blocks;
  try {
    blocks = decodePem(chainPem, 8);
  } catch (cause) {
    throw new TimestampError('ERR_TSA_CHAIN', `the TSA chain cannot be read: ${(cause as Error).message}`, { cause });
  }
  const odd = blocks.find((b) => b.label !== 'CERTIFICATE');
  if (odd) throw new TimestampError('ERR_TSA_CHAIN', `the TSA chain holds a ${odd.label} block; only CERTIFICATE blocks are allowed`);
  return createKeyTimestampSigner(key, blocks.map((b) => b.der));
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    storeError(`cannot read the ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, cause);
  }
}

/**
 * A signer from a key file and a chain file (PEM).
 * @throws TimestampError `ERR_TSA_STORE` (unreadable file), `ERR_TSA_KEY`, `ERR_TSA_CHAIN`
 */
export async function loadTimestampSigner(paths: { keyPath: string; chainPath: string }): Promise<TimestampSigner> {
  const [key, chain] = await Promise.all([readText(paths.keyPath, 'TSA key'), readText(paths.chainPath, 'TSA chain')]);
  return timestampSignerFromPem(key, chain);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
    storeError(`cannot inspect ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, cause);
  }
}

/** Writes a new file through a temporary name, so a crash never leaves half a file under `path`. */
async function writeNewFile(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(tmp, mode); // the umask may have taken bits off; never added any
  await rename(tmp, path);
}

/** The TSA key material in a data directory, and whether this call created it. */
export interface OpenedTimestampSigner {
  readonly signer: TimestampSigner;
  readonly created: boolean;
  readonly keyPath: string;
  readonly chainPath: string;
}

/**
 * Opens the TSA key material of a data directory: loads `tsa-key.pem` + `tsa-chain.pem` when
 * both exist; on first start (neither exists) generates a root and a timestamping leaf
 * ({@link generateTimestampAuthorityChain}) and writes them, the directory 0700 and the key
 * 0600. One file without the other is refused rather than overwritten.
 * @throws TimestampError `ERR_TSA_STORE`, `ERR_TSA_KEY`, `ERR_TSA_CHAIN`
 */
export async function openTimestampSignerDir(dataDir: string, options: TimestampChainOptions = {}): Promise<OpenedTimestampSigner> {
  const keyPath = join(dataDir, TSA_KEY_FILE);
  const chainPath = join(dataDir, TSA_CHAIN_FILE);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    storeError(`cannot create the data directory ${dataDir}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, cause);
  }
  const [hasKey, hasChain] = await Promise.all([exists(keyPath), exists(chainPath)]);
  if (hasKey && hasChain) return { signer: await loadTimestampSigner({ keyPath, chainPath }), created: false, keyPath, chainPath };
  if (hasKey || hasChain) {
    storeError(`${hasKey ? keyPath : chainPath} exists without ${hasKey ? chainPath : keyPath}; restore it or remove both to generate a new TSA`);
  }
  const generated = generateTimestampAuthorityChain(options);
  const keyPem = generated.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const chainPem = generated.certificateChain.map((der) => encodePem('CERTIFICATE', der)).join('');
  try {
    // The chain goes last: a key without its chain is reported, never silently replaced.
    await writeNewFile(keyPath, keyPem, 0o600);
    await writeNewFile(chainPath, chainPem, 0o644);
  } catch (cause) {
    await rm(`${keyPath}.${process.pid}.tmp`, { force: true }).catch(() => undefined);
    await rm(`${chainPath}.${process.pid}.tmp`, { force: true }).catch(() => undefined);
    if (cause instanceof TimestampError) throw cause;
    storeError(`cannot write the TSA key material into ${dataDir}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, cause);
  }
  return { signer: timestampSignerFromPem(keyPem, chainPem), created: true, keyPath, chainPath };
}
