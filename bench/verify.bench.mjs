#!/usr/bin/env node
// Verification throughput: Signet vs @sigstore/verify on the same public-good v0.3 keyless bundle,
// with warm trust material, on one core (this process). Not a test: it prints figures.
//   npm run bench            (builds first)
//   BENCH_SECONDS=3 node bench/verify.bench.mjs
import { readFileSync } from 'node:fs';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseBundle, parseTrustedRoot } from '@signet/bundle';
import { PUBLIC_GOOD_TRUSTED_ROOT, Verifier } from '@signet/verify';
import { digestSignatureBackend } from '@signet/core';
import * as sigstoreVerify from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const bundleText = readFileSync(`${repo}/examples/a.txt.sigstore.json`, 'utf8');
const artifactBytes = readFileSync(`${repo}/examples/a.txt`);
const digest = createHash('sha256').update(artifactBytes).digest();
const SAN = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

function measure(name, fn) {
  for (let i = 0; i < 50; i++) fn(); // warm-up (JIT, caches)
  const samples = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  const r = { name, perSecond: samples.length / (total / 1000), p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)], n: samples.length };
  console.log(`${name.padEnd(48)} ${r.perSecond.toFixed(0).padStart(7)} bundles/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   (n=${r.n})`);
  return r;
}

// Signet: trust material imported once; each iteration parses and verifies the bundle.
const signet = new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT));
const policy = { subjectAlternativeName: SAN, issuer: ISSUER };
const ours = measure('signet (public-good v0.3 keyless)', () => {
  signet.verify(parseBundle(bundleText), { artifact: { digests: { sha256: digest } }, policy });
});

// @sigstore/verify: same bundle, same trust root, same policy.
const theirTrust = sigstoreVerify.toTrustMaterial(TrustedRoot.fromJSON(PUBLIC_GOOD_TRUSTED_ROOT));
const theirs = new sigstoreVerify.Verifier(theirTrust, { tlogThreshold: 1, ctlogThreshold: 1 });
const ref = measure('@sigstore/verify (same bundle)', () => {
  const entity = sigstoreVerify.toSignedEntity(bundleFromJSON(JSON.parse(bundleText)), artifactBytes);
  theirs.verify(entity, { subjectAlternativeName: SAN, extensions: { issuer: ISSUER } });
});
console.log(`ratio signet / @sigstore/verify: ${(ours.perSecond / ref.perSecond).toFixed(1)}x (target ≥ 8x; p50 target ≤ 1.25 ms)`);

// An all-P-256 chain (CA, leaf, CT log, Rekor) from the testkit, if it is built.
try {
  const { createTestInstance } = await import('@signet/testkit');
  const inst = await createTestInstance({ caKeyType: 'ecdsa-p256' });
  const data = Buffer.from('benchmark artifact');
  const b = JSON.stringify(inst.signBlob(data));
  const v = new Verifier(parseTrustedRoot(inst.trustedRoot));
  const d = createHash('sha256').update(data).digest();
  const p = { subjectAlternativeName: inst.identity.san, issuer: inst.identity.issuer };
  const ours256 = measure('signet (all-P-256 chain, testkit)', () => v.verify(parseBundle(b), { artifact: { digests: { sha256: d } }, policy: p }));
  const t2 = new sigstoreVerify.Verifier(sigstoreVerify.toTrustMaterial(TrustedRoot.fromJSON(inst.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1 });
  const ref256 = measure('@sigstore/verify (all-P-256 chain)', () => {
    t2.verify(sigstoreVerify.toSignedEntity(bundleFromJSON(JSON.parse(b)), data), { subjectAlternativeName: inst.identity.san, extensions: { issuer: inst.identity.issuer } });
  });
  console.log(`ratio (all-P-256): ${(ours256.perSecond / ref256.perSecond).toFixed(1)}x`);
} catch (e) {
  console.log(`(all-P-256 chain skipped: ${e.message})`);
}

// Machine reference: raw P-256 and P-384 verifies/s through node:crypto.
for (const curve of ['P-256', 'P-384']) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const msg = Buffer.from('x');
  const sig = sign('sha256', msg, privateKey);
  const n = 2000;
  const t = performance.now();
  for (let i = 0; i < n; i++) verify('sha256', msg, publicKey, sig);
  console.log(`node:crypto ${curve} verify: ${(n / ((performance.now() - t) / 1000)).toFixed(0)}/s`);
}
console.log(`digest-signature backend: ${digestSignatureBackend()}`);

// Cold CLI start-to-exit for one verify-blob. Wall time is noisy on a shared machine, so a second
// series of runs has each child report its own CPU time (user + system, all threads) at exit:
// the steadier figure. (The probe that reports it is left out of the wall-time runs.)
const bin = `${repo}/packages/cli/dist/bin.js`;
const cpuProbe = `data:text/javascript,${encodeURIComponent("process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\ncpu-us ${u.user + u.system}\\n`); });")}`;
const args = [bin, 'verify-blob', `${repo}/examples/a.txt`, '--bundle', `${repo}/examples/a.txt.sigstore.json`, '--certificate-identity', SAN, '--certificate-oidc-issuer', ISSUER];
const RUNS = 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function cold(argv) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
    wall.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`CLI failed: ${r.stderr}`);
    const p = spawnSync(process.execPath, ['--import', cpuProbe, ...argv], { encoding: 'utf8' });
    cpu.push(Number(/cpu-us (\d+)/.exec(p.stderr)?.[1]) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}
const cli = cold(args);
const base = cold(['-e', '0']);
console.log(`cold CLI verify-blob start-to-exit (median of ${RUNS}): ${cli.wall.toFixed(0)} ms wall, ${cli.cpu.toFixed(0)} ms CPU (node -e 0: ${base.wall.toFixed(0)} ms wall, ${base.cpu.toFixed(0)} ms CPU; target ≤ 150 ms wall)`);
