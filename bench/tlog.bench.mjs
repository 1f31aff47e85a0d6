#!/usr/bin/env node
// `npm run bench:log`: load generator for the transparency log over loopback HTTP (issue 3).
// 1. Prefills a log in-process through the engine (no HTTP, no signatures) up to --prefill
//    entries, so proof latencies are measured on a large tree (bounded by --prefill-seconds).
// 2. Starts `signet serve tlog` as a child process on that directory.
// 3. Pre-signs --count hashedrekord proposals (ECDSA P-256), then 256 concurrent clients POST
//    them to /api/v1/log/entries for at most --seconds: every entry's signature is verified by
//    the server, the entry is durably sequenced, and the 201 answer carries an inclusion proof
//    against a signed checkpoint. Reports sustained durable appends/s, time-to-index (server
//    side, Server-Timing `seq`: request parsed → entry committed) and time-to-inclusion-proof
//    (client side, request sent → 201 with proof received), p50/p99. A cold phase (new
//    connections, --warmup requests each, default 32: JIT and SQLite caches warm up) runs first
//    and the measured phase follows on without a
//    pause, as sustained load does; per server thread it also reports CPU, time spent waiting
//    for a core and context switches per entry (Linux /proc).
// 4. Measures inclusion-proof (GET entry by index) and consistency-proof latencies.
// 5. Prints the P-256 verify rate of this machine (one core, native digest path) from the same run.
// Everything stays on 127.0.0.1 and stops by itself. For diagnosis: SIGNET_BENCH_SERVER_NODE_ARGS
// passes Node flags to the server (e.g. --cpu-prof, --trace-gc), SIGNET_BENCH_SERVER_ARGS adds
// `serve tlog` options, SIGNET_BENCH_SERVER_LOG=FILE appends the server's stdout to FILE, and
// SIGNET_BENCH_SAMPLES=FILE writes each measured request (wall-clock ms sent, ms to proof, ms to
// index) as CSV, to line a tail up with server events.
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Agent, request } from 'node:http';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    clients: { type: 'string', default: '256' },
    count: { type: 'string', default: '60000' },
    seconds: { type: 'string', default: '15' },
    prefill: { type: 'string', default: '1000000' },
    'prefill-seconds': { type: 'string', default: '90' },
    'proof-samples': { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '32' },
  },
});
const CLIENTS = Number(opt.clients);
const COUNT = Number(opt.count);
const SECONDS = Number(opt.seconds);
const PREFILL = Number(opt.prefill);
const PREFILL_SECONDS = Number(opt['prefill-seconds']);
const PROOF_SAMPLES = Number(opt['proof-samples']);

const { startTLogServer, loadOrCreateLogKeys, checkpointSigners } = await import('@signet/server-tlog');
const { openLog } = await import('@signet/log');
const { verifyDigestWithSpki, digestSignatureBackend } = await import('@signet/core');

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (v) => `${v.toFixed(1)} ms`;

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'signet-bench-log-'));
const port = await freePort();
const origin = `127.0.0.1:${port}`;
let child;
process.on('exit', () => { child?.kill('SIGKILL'); rmSync(dataDir, { recursive: true, force: true }); });

// ---- 1. prefill ------------------------------------------------------------------------------
{
  const { keys } = loadOrCreateLogKeys(dataDir, origin);
  const log = await openLog({ dataDir, origin, signers: checkpointSigners(keys), batchSize: 4096, batchDelayMs: 5, maxPending: 1 << 20 });
  const started = performance.now();
  const deadline = started + PREFILL_SECONDS * 1000;
  const filler = randomBytes(120).toString('base64');
  let n = 0;
  while (n < PREFILL && performance.now() < deadline) {
    const batch = [];
    for (let i = 0; i < 8192 && n < PREFILL; i++, n++) {
      batch.push(log.append({ leaf: Buffer.from(`{"apiVersion":"0.0.1","kind":"prefill","spec":{"n":${n},"pad":"${filler}"}}`) }));
    }
    await Promise.all(batch);
  }
  if (n > 0) await log.awaitCheckpoint(n - 1);
  await log.close();
  const s = (performance.now() - started) / 1000;
  console.log(`prefill: ${n} entries in ${s.toFixed(1)} s through the engine (${Math.round(n / s)}/s, no HTTP, no signatures)`);
}

// ---- 2. server -------------------------------------------------------------------------------
child = spawn(process.execPath, [...(process.env.SIGNET_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'packages/cli/dist/bin.js'), 'serve', 'tlog', '--data-dir', dataDir, '--listen', origin, ...(process.env.SIGNET_BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [])], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  child.stdout.on('data', (d) => { if (process.env.SIGNET_BENCH_SERVER_LOG) appendFileSync(process.env.SIGNET_BENCH_SERVER_LOG, d); if (d.toString().includes('signet serve tlog:')) resolve(); });
  child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });

function http(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.end(body); else req.end();
  });
}

// ---- 3. load ---------------------------------------------------------------------------------
// The load generator shares the 2 cores with the server, so it is kept cheap: every request is
// pre-built (request line, headers and body in one Buffer), written on a raw keep-alive socket,
// and the answer is parsed only as far as status, Server-Timing and Content-Length.
const keys = Array.from({ length: 16 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const pems = keys.map((k) => Buffer.from(createPublicKey(k).export({ format: 'pem', type: 'spki' })).toString('base64'));
const salt = randomBytes(8).toString('hex');
function proposal(tag, i) {
  const data = Buffer.from(`bench ${salt} ${tag} ${i}`);
  const k = i % keys.length;
  const body = Buffer.from(JSON.stringify({
    apiVersion: '0.0.1', kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } },
      signature: { content: sign('sha256', data, keys[k]).toString('base64'), publicKey: { content: pems[k] } },
    },
  }));
  const head = `POST /api/v1/log/entries HTTP/1.1\r\nhost: ${origin}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
const WARM_PER_CLIENT = Number(opt.warmup);
const signStart = performance.now();
const warmups = Array.from({ length: CLIENTS * WARM_PER_CLIENT }, (_, i) => proposal('warm', i));
const proposals = Array.from({ length: COUNT }, (_, i) => proposal('load', i));
console.log(`pre-signed ${COUNT + warmups.length} hashedrekord proposals in ${((performance.now() - signStart) / 1000).toFixed(1)} s (not timed)`);

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** One keep-alive HTTP/1.1 connection sending pre-built requests one at a time. */
function rawConnection() {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let buf = Buffer.alloc(0);
    let pending;
    socket.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0 || !pending) return;
      const head = buf.toString('latin1', 0, end);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const body = buf.subarray(end + 4, end + 4 + len);
      buf = buf.subarray(end + 4 + len);
      const p = pending;
      pending = undefined;
      p.resolve({ status: Number(head.slice(9, 12)), head, body });
    });
    socket.on('error', (err) => { if (pending) pending.reject(err); else reject(err); });
    socket.on('close', () => pending?.reject(new Error('connection closed')));
    socket.once('connect', () => resolve({
      send(req) { return new Promise((res, rej) => { pending = { resolve: res, reject: rej }; socket.write(req); }); },
      close() { socket.destroy(); },
    }));
  });
}

/** User and system CPU seconds in a /proc `stat` file (Linux; USER_HZ is 100). */
function statCpu(path) {
  const stat = readFileSync(path, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
}

/** CPU seconds (user + system, all threads) the server process has used, from /proc (Linux). */
function serverCpuSeconds() {
  try {
    const c = statCpu(`/proc/${child.pid}/stat`);
    return c.user + c.system;
  } catch {
    return NaN;
  }
}

/** CPU seconds per thread of the server (tid → seconds), from /proc (Linux). */
function serverThreadCpu() {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
      try {
        const c = statCpu(`/proc/${child.pid}/task/${tid}/stat`);
        const st = readFileSync(`/proc/${child.pid}/task/${tid}/status`, 'latin1');
        const cs = Number(/voluntary_ctxt_switches:\s*(\d+)/.exec(st)?.[1] ?? 0) + Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(st)?.[1] ?? 0);
        // schedstat: ns on a CPU, ns runnable but waiting for one, timeslices.
        const wait = Number(readFileSync(`/proc/${child.pid}/task/${tid}/schedstat`, 'latin1').split(' ')[1]) / 1e9;
        out.set(tid, [c.user + c.system, cs, wait, c.system]);
      } catch { /* the thread ended */ }
    }
  } catch { /* not Linux */ }
  return out;
}

/**
 * Drives the connections through `phases` in turn ({ bodies, seconds } each) with no pause in
 * between: a client that finishes a request of one phase sends one of the next phase straight
 * away, so a measured phase starts on a server already under load, not with all clients firing
 * at once as a drained restart would. Each request counts for the phase it was sent in; a phase
 * ends when its bodies or its time run out, and its figures run to its last answer.
 */
async function drive(conns, phases) {
  const rs = phases.map(() => ({ toVerified: [], toIndex: [], toCheckpoint: [], toProof: [], samples: [], statuses: new Map(), ok: 0, seconds: 0, cpu: 0, serverCpu: 0, start: 0, last: 0 }));
  let phase = 0;
  let next = 0;
  let deadline = 0;
  // CPU counters at each phase's start; a phase's CPU runs to the next phase's start.
  const marks = [];
  const snapshot = () => ({ at: performance.now(), cpu: process.cpuUsage(), server: serverCpuSeconds(), threads: serverThreadCpu() });
  const begin = (k) => {
    marks[k] = snapshot();
    rs[k].start = marks[k].at;
    deadline = rs[k].start + phases[k].seconds * 1000;
  };
  const finish = (k, m, e) => {
    const r = rs[k];
    r.seconds = (r.last - r.start) / 1000;
    const cpuSeconds = (e.cpu.user + e.cpu.system - m.cpu.user - m.cpu.system) / 1e6;
    r.cpu = cpuSeconds / ((e.at - m.at) / 1000);
    r.serverCpu = e.server - m.server;
    r.cpuSeconds = (e.at - m.at) / 1000;
    r.threads = [...e.threads].map(([tid, [s, cs, w, sy]]) => [tid, s - (m.threads.get(tid)?.[0] ?? 0), cs - (m.threads.get(tid)?.[1] ?? 0), w - (m.threads.get(tid)?.[2] ?? 0), sy - (m.threads.get(tid)?.[3] ?? 0)]).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
    // When the slowest 1% were sent (second of the phase → count): a tail spread evenly is
    // queueing, one bunched in a second or two is a stall (a merge, a GC, a warm-up).
    const order = r.toProof.map((_, i) => i).sort((a, b) => r.toProof[b] - r.toProof[a]).slice(0, Math.ceil(r.toProof.length / 100));
    r.slowest = new Map();
    for (const i of order) {
      const sec = Math.floor((r.samples[i][0] - r.start) / 1000);
      r.slowest.set(sec, (r.slowest.get(sec) ?? 0) + 1);
    }
    for (const a of [r.toVerified, r.toIndex, r.toCheckpoint, r.toProof]) a.sort((x, y) => x - y);
  };
  begin(0);
  await Promise.all(conns.map(async (conn) => {
    for (;;) {
      const k = phase;
      if (next >= phases[k].bodies.length || performance.now() >= deadline) {
        if (k === phases.length - 1) return;
        // The first client to find phase k done starts phase k + 1.
        phase = k + 1;
        next = 0;
        begin(phase);
        continue;
      }
      const body = phases[k].bodies[next++];
      const r = rs[k];
      const t0 = performance.now();
      const res = await conn.send(body);
      const t1 = performance.now();
      r.last = t1;
      r.statuses.set(res.status, (r.statuses.get(res.status) ?? 0) + 1);
      // A 201 must carry its inclusion proof and checkpoint (the server answers only once a
      // published checkpoint covers the entry).
      if (res.status !== 201 || res.body.indexOf('"inclusionProof"') < 0 || res.body.indexOf('"checkpoint"') < 0) continue;
      r.ok++;
      r.toProof.push(t1 - t0);
      const v = /ver;dur=([0-9.]+)/.exec(res.head);
      if (v) r.toVerified.push(Number(v[1]));
      const m = /seq;dur=([0-9.]+)/.exec(res.head);
      if (m) r.toIndex.push(Number(m[1]));
      r.samples.push([t0, t1 - t0, m ? Number(m[1]) : NaN]);
      const c = /cp;dur=([0-9.]+)/.exec(res.head);
      if (c) r.toCheckpoint.push(Number(c[1]));
    }
  }));
  const end = snapshot();
  rs.forEach((r, k) => finish(k, marks[k], marks[k + 1] ?? end));
  return rs;
}

function report(title, r) {
  console.log(`\n${title}: ${CLIENTS} concurrent HTTP clients, ${r.ok} entries acknowledged (201, durable, signature verified, inclusion proof attached) in ${r.seconds.toFixed(2)} s`);
  console.log(`  statuses: ${[...r.statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`);
  console.log(`  sustained durable appends/s: ${Math.round(r.ok / r.seconds)}   (target ≥ 5000)`);
  console.log(`  time-to-verified (server: request parsed → signature verified, canonicalized): p50 ${ms(pct(r.toVerified, 50))}, p99 ${ms(pct(r.toVerified, 99))}`);
  console.log(`  time-to-index (server: request parsed → committed): p50 ${ms(pct(r.toIndex, 50))}, p99 ${ms(pct(r.toIndex, 99))}   (target p99 ≤ 100 ms)`);
  console.log(`  time-to-checkpoint (server: request parsed → covered by a signed checkpoint): p50 ${ms(pct(r.toCheckpoint, 50))}, p99 ${ms(pct(r.toCheckpoint, 99))}`);
  console.log(`  time-to-inclusion-proof (client: request sent → 201 with proof): p50 ${ms(pct(r.toProof, 50))}, p99 ${ms(pct(r.toProof, 99))}   (target p99 ≤ 100 ms)`);
  console.log(`  slowest 1% by second sent (s:count): ${[...r.slowest].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(' ')}`);
  console.log(`  CPU: server ${(r.serverCpu / r.cpuSeconds * 100).toFixed(0)}% of one core, ${Math.round(r.serverCpu / r.ok * 1e6)} µs per entry; load generator ${(r.cpu * 100).toFixed(0)}% (${Math.round(r.cpu * r.cpuSeconds / r.ok * 1e6)} µs per entry)`);
  // Threads by CPU (main first by tid: the HTTP thread; the log engine, write workers, SQLite's
  // checkpointer and indexer and V8's helpers follow in start order).
  if (r.threads.length > 0) {
    console.log(`  server threads, per entry (tid − pid: CPU µs / µs waiting for a core / context switches): ${r.threads.slice(0, 10).map(([tid, s, cs, w, sy]) => `+${Number(tid) - child.pid}: ${Math.round(s / r.ok * 1e6)}(sys ${Math.round(sy / r.ok * 1e6)})/${Math.round(w / r.ok * 1e6)}/${(cs / r.ok).toFixed(2)}`).join(', ')}`);
  }
}

// Cold phase: all connections are opened at once and used straight away (connection storm,
// JIT and SQLite caches cold); reported apart, then the measured phase runs on warm connections.
const coldStart = performance.now();
const conns = await Promise.all(Array.from({ length: CLIENTS }, () => rawConnection()));
const [cold, load] = await drive(conns, [{ bodies: warmups, seconds: SECONDS }, { bodies: proposals, seconds: SECONDS }]);
cold.seconds = (cold.last - coldStart) / 1000;
report('cold start (connect + first requests, not the sustained figure)', cold);
report('load (warm connections, straight on from the cold start)', load);
if (process.env.SIGNET_BENCH_SAMPLES) {
  const epoch = performance.timeOrigin;
  writeFileSync(process.env.SIGNET_BENCH_SAMPLES, ['sent_ms,to_proof_ms,to_index_ms', ...load.samples.map(([t, p, i]) => `${(epoch + t).toFixed(1)},${p.toFixed(2)},${i.toFixed(2)}`)].join('\n') + '\n');
}
for (const c of conns) c.close();

// ---- 4. proof latencies ----------------------------------------------------------------------
const info = JSON.parse((await http('GET', '/api/v1/log')).body.toString());
const size = info.treeSize;
const incl = [];
const cons = [];
for (let i = 0; i < PROOF_SAMPLES; i++) {
  const idx = Math.floor(Math.random() * size);
  let t0 = performance.now();
  const r = await http('GET', `/api/v1/log/entries?logIndex=${idx}`);
  incl.push(performance.now() - t0);
  if (r.status !== 200) throw new Error(`entry ${idx}: ${r.status}`);
  const first = 1 + Math.floor(Math.random() * (size - 1));
  t0 = performance.now();
  const c = await http('GET', `/api/v1/log/proof?firstSize=${first}&lastSize=${size}`);
  cons.push(performance.now() - t0);
  if (c.status !== 200) throw new Error(`proof ${first}: ${c.status}`);
}
incl.sort((a, b) => a - b);
cons.sort((a, b) => a - b);
console.log(`\nproofs at tree size ${size} (${PROOF_SAMPLES} sequential requests each, over HTTP):`);
console.log(`  inclusion proof (GET entry by index, with SET + proof + checkpoint): p50 ${ms(pct(incl, 50))}, p99 ${ms(pct(incl, 99))}`);
console.log(`  consistency proof (GET /api/v1/log/proof): p50 ${ms(pct(cons, 50))}, p99 ${ms(pct(cons, 99))}`);

// ---- 5. machine's P-256 verify rate ----------------------------------------------------------
{
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const digest = createHash('sha256').update('x').digest();
  const sig = sign('sha256', Buffer.from('x'), privateKey);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    for (let i = 0; i < 100; i++) verifyDigestWithSpki(spki, digest, sig, { hash: 'sha256' });
    n += 100;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; P-256 verify over a digest (${digestSignatureBackend()} backend, one core): ${Math.round(rate)}/s`);
}

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
agent.destroy();
