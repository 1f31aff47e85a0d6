import { readFile, stat } from 'node:fs/promises';
import { decodeHex, digestFile, type HashName } from '@signet/core';
import type { Artifact } from '@signet/verify';
import { CliError } from './errors.js';

const DIGEST_RE = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/;
const DIGEST_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** Ed25519 signs whole messages; cap what we are willing to hold in memory for it. */
const MAX_IN_MEMORY = 512 * 1024 * 1024;

/**
 * Turns the positional INPUT (a path, or `sha256:<hex>` meaning "the artifact with this
 * digest") into the digests verification needs. Files are hashed streaming with bounded memory.
 */
export async function readArtifact(input: string, hashes: readonly HashName[], needBytes = false): Promise<Artifact> {
  const m = DIGEST_RE.exec(input);
  if (m) {
    const hash = m[1] as HashName;
    const value = decodeHex(m[2] as string, 'artifact digest');
    if (value.length !== DIGEST_LENGTH[hash]) throw new CliError('ERR_CLI_INPUT', `${hash} digest must be ${DIGEST_LENGTH[hash]} bytes`);
    if (needBytes) throw new CliError('ERR_CLI_INPUT', 'this bundle is signed with Ed25519 over the whole artifact: pass the file, not its digest');
    return { digests: { [hash]: value } };
  }
  let digests: Partial<Record<HashName, Buffer>>;
  try {
    digests = await digestFile(input, [...new Set(hashes)]);
  } catch (cause) {
    throw new CliError('ERR_CLI_IO', `cannot read artifact ${input}`, { cause });
  }
  if (!needBytes) return { digests };
  const info = await stat(input);
  if (info.size > MAX_IN_MEMORY) throw new CliError('ERR_CLI_INPUT', 'artifact too large for an Ed25519 message signature');
  return { digests, data: await readFile(input) };
}
