import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestInstance } from '@signet/testkit';
import { TufRepository } from '@signet/tuf';
import { createTufServer } from '@signet/server-tuf';
import { run } from '@signet/cli';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repoRoot, 'packages/cli/dist/bin.js');
const artifact = join(repoRoot, 'examples/a.txt');
const bundle = join(repoRoot, 'examples/a.txt.sigstore.json');
const publicGoodRoot = join(repoRoot, 'packages/merkle/test/fixtures/public-good-trusted_root.json');
const identity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const issuer = 'https://token.actions.githubusercontent.com';
const DAY = 86_400_000;

async function signet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let tmp: string;
const savedCache = process.env['SIGNET_TUF_CACHE'];
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signet-tuf-cli-'));
  // Never a developer's real cache.
  process.env['SIGNET_TUF_CACHE'] = join(tmp, 'default-cache');
});
after(() => {
  if (savedCache === undefined) delete process.env['SIGNET_TUF_CACHE'];
  else process.env['SIGNET_TUF_CACHE'] = savedCache;
  rmSync(tmp, { recursive: true, force: true });
});

async function serveRepository(t: { after(fn: () => unknown): void }, dir: string): Promise<{ url: string; connections: () => number }> {
  const { app } = createTufServer({ repository: TufRepository.open(dir), resignIntervalMs: 0 });
  let connections = 0;
  app.server.on('connection', () => connections++);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const addr = app.server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('no address');
  return { url: `http://127.0.0.1:${addr.port}`, connections: () => connections };
}

describe('signet tuf', () => {
  it('init, add-target, rotate-root, publish', async () => {
    const repo = join(tmp, 'repo-cmds');
    const keys = join(tmp, 'keys-cmds');
    const trustedRoot = join(tmp, 'tr.json');
    writeFileSync(trustedRoot, JSON.stringify(createTestInstance().trustedRoot));
    const init = await signet('tuf', 'init', '--repo', repo, '--keys', keys, '--trusted-root', trustedRoot, '--root-keys', '3', '--root-threshold', '2');
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, /created TUF repository/);
    assert.ok(existsSync(join(repo, 'root.json')) && existsSync(join(repo, 'metadata', '1.root.json')));
    const again = await signet('tuf', 'init', '--repo', repo);
    assert.equal(again.code, 1);
    assert.match(again.err, /^error: ERR_TUF_EXISTS: /);

    const notes = join(tmp, 'notes.txt');
    writeFileSync(notes, 'hello');
    const add = await signet('tuf', 'add-target', '--repo', repo, '--keys', keys, notes);
    assert.equal(add.code, 0, add.err);
    assert.match(add.out, /added notes\.txt .*targets v2, snapshot v2, timestamp v2/);
    const bad = await signet('tuf', 'add-target', '--repo', repo, '--keys', keys, notes, '--name', '../evil');
    assert.match(bad.err, /^error: ERR_TUF_TARGET_NAME: /);
    const noKeys = await signet('tuf', 'add-target', '--repo', repo, '--keys', join(tmp, 'nowhere'), notes);
    assert.match(noKeys.err, /^error: ERR_TUF_KEY_MISSING: /);

    const rot = await signet('tuf', 'rotate-root', '--repo', repo, '--keys', keys);
    assert.equal(rot.code, 0, rot.err);
    assert.match(rot.out, /root v2/);
    const pub = await signet('tuf', 'publish', '--repo', repo, '--keys', keys);
    assert.equal(pub.code, 0, pub.err);
    assert.match(pub.out, /published snapshot v3, timestamp v3/);
    const missing = await signet('tuf', 'publish', '--repo', join(tmp, 'no-repo'));
    assert.match(missing.err, /^error: ERR_TUF_NOT_FOUND: /);
  });
});

describe('signet initialize and the trust order', () => {
  it('caches the trust root; verify-blob then uses it, after --trusted-root and before the embedded root', async (t) => {
    const dir = join(tmp, 'repo-order');
    // A repository publishing a trust root that does NOT vouch for the public-good example.
    TufRepository.init(dir, { targets: [{ name: 'trusted_root.json', content: Buffer.from(JSON.stringify(createTestInstance().trustedRoot)) }] });
    const { url } = await serveRepository(t, dir);
    const cacheDir = join(tmp, 'cache-order');
    process.env['SIGNET_TUF_CACHE'] = cacheDir;
    t.after(() => {
      process.env['SIGNET_TUF_CACHE'] = join(tmp, 'default-cache');
    });
    const verifyArgs = ['verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer];

    const before = await signet(...verifyArgs);
    assert.equal(before.code, 0, `embedded root: ${before.err}`);

    const init = await signet('initialize', '--mirror', url, '--root', join(dir, 'root.json'));
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, /trusted_root\.json sha256:[0-9a-f]{64} from http:\/\/127\.0\.0\.1:\d+ \(TUF root v1\)/);

    const viaTuf = await signet(...verifyArgs);
    assert.equal(viaTuf.code, 1, 'the TUF-cached root must win over the embedded one');
    assert.match(viaTuf.err, /^error: ERR_VERIFY_/);

    const viaFile = await signet(...verifyArgs, '--trusted-root', publicGoodRoot);
    assert.equal(viaFile.code, 0, `--trusted-root must win over the TUF cache: ${viaFile.err}`);

    process.env['SIGNET_TUF_CACHE'] = 'off';
    const off = await signet(...verifyArgs);
    assert.equal(off.code, 0, off.err);
  });

  it('--offline opens no socket at all (child process counting every connect)', async (t) => {
    const dir = join(tmp, 'repo-offline');
    TufRepository.init(dir, { targets: [{ name: 'trusted_root.json', content: Buffer.from(JSON.stringify(createTestInstance().trustedRoot)) }] });
    const { url, connections } = await serveRepository(t, dir);
    const cacheDir = join(tmp, 'cache-offline');
    const online = await signet('initialize', '--mirror', url, '--root', join(dir, 'root.json'), '--cache-dir', cacheDir);
    assert.equal(online.code, 0, online.err);
    const seen = connections();
    assert.ok(seen > 0);

    // The hook counts (and refuses) every TCP/UDP/IPC connect and DNS lookup in the child.
    const hook = join(tmp, 'no-net.mjs');
    writeFileSync(
      hook,
      `import net from 'node:net'; import dns from 'node:dns'; import dgram from 'node:dgram';
let attempts = 0;
const refuse = (what) => function () { attempts++; throw new Error('network disabled: ' + what); };
net.Socket.prototype.connect = refuse('net.Socket.connect');
dns.lookup = refuse('dns.lookup');
dgram.Socket.prototype.send = refuse('dgram.send');
globalThis.fetch = refuse('fetch');
process.on('exit', () => process.stderr.write('NET_ATTEMPTS=' + attempts + '\\n'));
`,
    );
    const child = spawnSync(process.execPath, ['--import', hook, bin, 'initialize', '--offline', '--cache-dir', cacheDir], { encoding: 'utf8', env: { ...process.env, SIGNET_TUF_CACHE: 'off' } });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /offline from cache/);
    assert.match(child.stderr, /NET_ATTEMPTS=0/);
    assert.equal(connections(), seen, 'the server saw no connection');

    // The same hook does catch a client that tries: proof the counter works.
    const tries = spawnSync(process.execPath, ['--import', hook, bin, 'initialize', '--cache-dir', cacheDir], { encoding: 'utf8', env: { ...process.env, SIGNET_TUF_CACHE: 'off' } });
    assert.match(tries.stderr, /NET_ATTEMPTS=[1-9]/);

    const empty = await signet('initialize', '--offline', '--cache-dir', join(tmp, 'cache-empty'));
    assert.equal(empty.code, 1);
    assert.match(empty.err, /^error: ERR_TUF_NOT_FOUND: /);
  });
});

describe('signet doctor', () => {
  it('reports the cache and warns long before repository metadata expires', async (t) => {
    // Written 340 days ago: root (1 year) has 25 days left, targets and the online roles expired.
    const past = new Date(Date.now() - 340 * DAY);
    const dir = join(tmp, 'repo-doctor');
    TufRepository.init(dir, { clock: () => past, targets: [{ name: 'trusted_root.json', content: Buffer.from(JSON.stringify(createTestInstance().trustedRoot)) }] });
    const expired = await signet('doctor', '--repo', dir, '--cache-dir', join(tmp, 'no-cache'));
    assert.equal(expired.code, 1);
    assert.match(expired.out, /TUF cache: none/);
    assert.match(expired.out, /root\s+v1\s+expires .* \(in 25 days\)\n\s+warning: root expires within 30 days: run `signet tuf rotate-root`/);
    assert.match(expired.out, /targets\s+v1 .*EXPIRED/);
    assert.match(expired.err, /^error: ERR_TUF_EXPIRED: /);

    // Re-sign what can be re-signed: only the root warning stays, exit 0.
    const repo = TufRepository.open(dir);
    repo.publish({ keysDir: join(dir, 'keys') });
    const { url } = await serveRepository(t, dir);
    const cacheDir = join(tmp, 'cache-doctor');
    assert.equal((await signet('initialize', '--mirror', url, '--root', join(dir, 'root.json'), '--cache-dir', cacheDir)).code, 0);
    const ok = await signet('doctor', '--repo', dir, '--cache-dir', cacheDir);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, new RegExp(`TUF cache: ${cacheDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(mirror ${url}\\)`));
    assert.match(ok.out, /cached trust root verifies offline: sha256:[0-9a-f]{64}/);
    assert.equal(ok.out.match(/warning:/g)?.length, 1);
    assert.match(ok.out, /warning: root expires within 30 days/);
  });
});

describe('signet serve tuf', () => {
  it('creates a repository on first start, writes DIR/root.json, serves it, stops on SIGTERM', async (t) => {
    const dataDir = join(tmp, 'served');
    const child = spawn(process.execPath, [bin, 'serve', 'tuf', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (c) => reject(new Error(`exited ${c}`)));
    });
    const root = await fetch(`${url}/1.root.json`);
    assert.equal(root.status, 200);
    assert.deepEqual(Buffer.from(await root.arrayBuffer()), readFileSync(join(dataDir, 'root.json')));
    const cacheDir = join(tmp, 'cache-served');
    const init = await signet('initialize', '--mirror', url, '--root', join(dataDir, 'root.json'), '--cache-dir', cacheDir);
    assert.equal(init.code, 0, init.err);
    // With no DIR/trusted_root.json the service publishes the embedded public-good root.
    assert.match(init.out, /sha256:6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
