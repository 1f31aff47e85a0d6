import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TufRepository, type Clock } from '@signet/tuf';
import { startServer, trustedRootBytes } from './helpers.js';

const DAY = 86_400_000;
let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signet-server-tuf-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function clockAt(start: string): Clock & { advance(ms: number): void } {
  let t = new Date(start).getTime();
  const c = (() => new Date(t)) as Clock & { advance(ms: number): void };
  c.advance = (ms) => {
    t += ms;
  };
  return c;
}

/** A raw GET that sends the path as written (fetch would normalise `..`). */
function rawGet(url: string, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server-tuf HTTP layout', () => {
  it('serves metadata at the base URL and targets under targets/, with content types and cache headers', async (t) => {
    const dir = join(tmp, `r${++n}`);
    const repository = TufRepository.init(dir, { targets: [{ name: 'trusted_root.json', content: trustedRootBytes }, { name: 'notes.bin', content: Buffer.from([1, 2, 3]) }] });
    const { url } = await startServer(t, { repository, resignIntervalMs: 0 });
    for (const [path, cache] of [
      ['/1.root.json', 'public, max-age=31536000, immutable'],
      ['/1.targets.json', 'public, max-age=31536000, immutable'],
      ['/1.snapshot.json', 'public, max-age=31536000, immutable'],
      ['/timestamp.json', 'public, max-age=60'],
    ] as const) {
      const res = await fetch(url + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, path);
      assert.equal(res.headers.get('cache-control'), cache, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(join(dir, 'metadata', path.slice(1))), path);
    }
    const sha = createHash('sha256').update(trustedRootBytes).digest('hex');
    const target = await fetch(`${url}/targets/${sha}.trusted_root.json`);
    assert.equal(target.status, 200);
    assert.match(target.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(target.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual(Buffer.from(await target.arrayBuffer()), trustedRootBytes);
    const binSha = createHash('sha256').update(Buffer.from([1, 2, 3])).digest('hex');
    const bin = await fetch(`${url}/targets/${binSha}.notes.bin`);
    assert.equal(bin.headers.get('content-type'), 'application/octet-stream');
    const head = await fetch(`${url}/timestamp.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  it('serves nothing else: no traversal, no keys, no unversioned root, no writes', async (t) => {
    const dir = join(tmp, `r${++n}`);
    const repository = TufRepository.init(dir, { targets: [{ name: 'trusted_root.json', content: trustedRootBytes }] });
    const { url } = await startServer(t, { repository, resignIntervalMs: 0 });
    const key = readdirSync(join(dir, 'online-keys'))[0] as string;
    const sha = createHash('sha256').update(trustedRootBytes).digest('hex');
    const paths = [
      '/config.json',
      '/root.json',
      '/2.root.json',
      '/0.root.json',
      '/metadata/1.root.json',
      `/online-keys/${key}`,
      '/keys',
      '/targets/../config.json',
      '/targets/..%2Fconfig.json',
      '/targets/..%2F..%2Fonline-keys%2F' + key,
      '/%2e%2e/config.json',
      '/..%2Fconfig.json',
      `/targets/${sha}.trusted_root.json%00`,
      `/targets/${'0'.repeat(64)}.trusted_root.json`,
      '/targets/trusted_root.json',
      '/1.root.json.tmp-1-abcd',
      '/.lock',
    ];
    for (const p of paths) assert.equal(await rawGet(url, p), 404, p);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const status = await rawGet(url, '/timestamp.json', method);
      assert.ok(status === 404 || status === 405, `${method} → ${status}`);
    }
    assert.deepEqual(repository.versions(), { root: 1, targets: 1, snapshot: 1, timestamp: 1 });
  });
});

describe('server-tuf re-signer (injected clock)', () => {
  it('re-signs timestamp and snapshot before they expire, so the served metadata never goes stale', async (t) => {
    const clock = clockAt('2031-03-01T00:00:00Z');
    const dir = join(tmp, `r${++n}`);
    const repository = TufRepository.init(dir, { clock, targets: [{ name: 'trusted_root.json', content: trustedRootBytes }] });
    const { url, server } = await startServer(t, { repository, clock, resignIntervalMs: 0 });
    const servedTimestamp = async (): Promise<{ version: number; expires: string }> => ((await (await fetch(`${url}/timestamp.json`)).json()) as { signed: { version: number; expires: string } }).signed;
    assert.deepEqual(server.resigner.tick().published, {});
    // Two weeks of hourly ticks: the served timestamp always has > 12 h left.
    for (let h = 0; h < 14 * 24; h++) {
      clock.advance(3600_000);
      server.resigner.tick();
      const ts = await servedTimestamp();
      assert.ok(new Date(ts.expires).getTime() - clock().getTime() > 12 * 3600_000 - 3600_000, `hour ${h}`);
    }
    const v = repository.versions();
    assert.ok(v.timestamp >= 14 * 2 && v.snapshot >= 4, JSON.stringify(v));
    assert.equal(v.targets, 1);
  });

  it('runs on its timer once the server is ready', async (t) => {
    const clock = clockAt('2031-03-01T00:00:00Z');
    const dir = join(tmp, `r${++n}`);
    const repository = TufRepository.init(dir, { clock });
    clock.advance(20 * 3600_000); // timestamp has 4 h left: due
    const { log } = await startServer(t, { repository, clock, resignIntervalMs: 20 });
    for (let i = 0; i < 50 && repository.versions().timestamp === 1; i++) await sleep(20);
    assert.equal(repository.versions().timestamp, 2);
    assert.ok(log.lines.some((l) => /re-signed/.test(l.msg)));
  });

  it('logs a warning long before root or targets expire, repeated at most every 6 hours', async (t) => {
    const clock = clockAt('2031-03-01T00:00:00Z');
    const dir = join(tmp, `r${++n}`);
    const repository = TufRepository.init(dir, { clock });
    const { server, log } = await startServer(t, { repository, clock, resignIntervalMs: 0 });
    server.resigner.tick();
    assert.equal(log.lines.filter((l) => l.level === 40).length, 0);
    clock.advance(61 * DAY); // targets (90 d) has 29 d left
    const { warnings } = server.resigner.tick();
    assert.deepEqual(warnings.map((w) => w.role), ['targets']);
    const warned = log.lines.filter((l) => l.level === 40);
    assert.equal(warned.length, 1);
    assert.equal(warned[0]?.role, 'targets');
    assert.match(warned[0]?.msg ?? '', /targets\.json v1 expires at .*signet tuf publish/);
    clock.advance(3600_000);
    server.resigner.tick();
    assert.equal(log.lines.filter((l) => l.level === 40).length, 1);
    clock.advance(6 * 3600_000);
    server.resigner.tick();
    assert.equal(log.lines.filter((l) => l.level === 40).length, 2);
    clock.advance(30 * DAY);
    server.resigner.tick();
    assert.ok(log.lines.some((l) => l.level === 40 && /EXPIRED/.test(l.msg)));
  });
});
