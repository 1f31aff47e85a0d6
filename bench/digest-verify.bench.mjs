#!/usr/bin/env node
// P-256 verifications per second: verifyDigest on the native addon, verifyDigest on the JS
// fallback (@noble/curves), and node:crypto's crypto.verify over the message, for the record.
// Build first (`npm run build`). Each backend runs in its own process because the backend is
// chosen once per process (SIGNET_DIGEST_BACKEND).
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const message = Buffer.from('signet digest-verify benchmark');

/** Calls fn repeatedly for about SECONDS and returns calls per second. */
function rate(fn) {
  for (let i = 0; i < 50; i++) fn(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) if (!fn()) throw new Error('verification failed');
    n += 50;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const [mode, spkiHex, sigHex] = process.argv.slice(2);
if (mode === '--child') {
  const { verifyDigest, digestSignatureBackend } = await import('../packages/core/dist/index.js');
  const key = createPublicKey({ key: Buffer.from(spkiHex, 'hex'), format: 'der', type: 'spki' });
  const digest = createHash('sha256').update(message).digest();
  const signature = Buffer.from(sigHex, 'hex');
  const perSecond = rate(() => verifyDigest(key, digest, signature, { hash: 'sha256' }));
  console.log(JSON.stringify({ backend: digestSignatureBackend(), perSecond }));
} else {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signature = sign('sha256', message, privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
  const results = [];
  for (const backend of ['native', 'js']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', spki, signature.toString('hex')], {
      env: { ...process.env, SIGNET_DIGEST_BACKEND: backend },
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      results.push([`verifyDigest (${backend})`, `unavailable: ${(r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? r.stderr).trim()}`]);
      continue;
    }
    results.push([`verifyDigest (${backend})`, JSON.parse(r.stdout).perSecond]);
  }
  results.push(['crypto.verify (message)', rate(() => verify('sha256', message, publicKey, signature))]);
  console.log(`P-256 ECDSA verifications per second (node ${process.version}, ${SECONDS}s each)`);
  for (const [name, value] of results) {
    console.log(`  ${name.padEnd(26)} ${typeof value === 'number' ? Math.round(value).toLocaleString('en-US').padStart(8) : value}`);
  }
}
