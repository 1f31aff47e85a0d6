#!/usr/bin/env node
// Certificates issued per second, end to end over HTTP: token verification (JWKS-cached ES256),
// proof of possession, precertificate, SCT from the in-process CT log (durably sequenced in
// SQLite), final certificate. The CA + CT log run in a child process (`signet serve ca`); this
// process is the load generator (CONCURRENCY keep-alive connections, pre-minted tokens and
// pre-signed proofs, so client crypto does not compete). Not a test: it prints figures.
//   npm run bench:ca            (builds first)
//   BENCH_SECONDS=10 CONCURRENCY=64 node bench/ca.bench.mjs
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDevIssuer } from '@signet/server-oidc-dev';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const POOL = 256;

function signRate(namedCurve) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve });
  const data = Buffer.alloc(600, 1);
  for (let i = 0; i < 200; i++) sign('sha256', data, privateKey);
  let n = 0;
  const end = performance.now() + 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) sign(namedCurve === 'secp384r1' ? 'sha384' : 'sha256', data, privateKey);
    n += 50;
  }
  return n;
}

const dir = mkdtempSync(join(tmpdir(), 'signet-ca-bench-'));
const issuer = await createDevIssuer();
const config = join(dir, 'issuers.yaml');
writeFileSync(config, `oidc-issuers:\n  ${issuer.url}:\n    issuer-url: ${issuer.url}\n    client-id: sigstore\n    type: github-workflow\n`);
// CA_NODE_ARGS: extra node flags for the CA process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
const caNodeArgs = (process.env.CA_NODE_ARGS ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...caNodeArgs, join(repo, 'packages/cli/dist/bin.js'), 'serve', 'ca', '--data-dir', join(dir, 'data'), '--issuers', config, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = new URL(await new Promise((resolve, reject) => {
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    if (buf.includes('\n')) resolve(buf.split('\n')[0].trim());
  });
  child.on('exit', (code) => reject(new Error(`CA exited ${code}`)));
}));

// Pre-minted requests: each has its own token and key; the challenge is the token's `sub`.
const bodies = [];
for (let i = 0; i < POOL; i++) {
  const workflow = `octo/repo${i}/.github/workflows/release.yml@refs/heads/main`;
  const token = issuer.mintToken({ githubWorkflow: workflow }, { lifetimeSeconds: 3600 });
  const sub = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  bodies.push(JSON.stringify({
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }) }, proofOfPossession: sign('sha256', Buffer.from(sub), privateKey).toString('base64') },
  }));
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/api/v2/signingCert', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// CPU seconds (user + system) of the CA process so far, from /proc (Linux); undefined elsewhere.
function childCpuSeconds() {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

async function runFor(ms) {
  const cpu0 = process.cpuUsage();
  const child0 = childCpuSeconds();
  const t0 = performance.now();
  let ok = 0;
  let failed = 0;
  const latencies = [];
  const end = performance.now() + ms;
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const status = await post(bodies[next++ % POOL]);
      latencies.push(performance.now() - t);
      if (status === 201) ok++;
      else failed++;
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const child1 = childCpuSeconds();
  const generatorCores = (cpu.user + cpu.system) / 1e6 / wall;
  const serverCores = child0 === undefined || child1 === undefined ? undefined : (child1 - child0) / wall;
  latencies.sort((a, b) => a - b);
  return { ok, failed, generatorCores, serverCores, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

try {
  await runFor(1000); // warm-up: JWKS fetch, JIT, SQLite
  const r = await runFor(SECONDS * 1000);
  const rate = r.ok / SECONDS;
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  console.log(`ECDSA sign rate (one core, node:crypto): P-256/SHA-256 ${signRate('prime256v1')}/s, P-384/SHA-384 ${signRate('secp384r1')}/s`);
  console.log(`CA (P-256 intermediate, two CA signatures + one SCT signature per certificate), ${CONCURRENCY} concurrent clients, ${SECONDS}s:`);
  console.log(`  ${rate.toFixed(0)} certificates/s issued end to end (${r.ok} ok, ${r.failed} failed), latency p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`);
  console.log(`  CPU: CA process ${r.serverCores === undefined ? 'n/a' : `${r.serverCores.toFixed(2)} cores`}, load generator ${r.generatorCores.toFixed(2)} cores (of ${cpus().length})`);
  console.log(`  target >= 1000/s: ${rate >= 1000 ? 'met' : 'NOT met'}`);
} finally {
  agent.destroy();
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
}
