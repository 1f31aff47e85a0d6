import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, MetadataKind } from '@tufjs/models';
import { createTestInstance } from '@signet/testkit';
import { TufRepository, TufError, readKeyDir, signingKeyFromPrivate, bootstrapTrust, DEFAULT_EXPIRATIONS, type Clock } from '@signet/tuf';

// A trust root of a throwaway Sigstore instance: any valid trusted_root.json does.
const trustedRootBytes = Buffer.from(JSON.stringify(createTestInstance().trustedRoot));
const DAY = 86_400_000;

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signet-tuf-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function fresh(): string {
  return join(tmp, `repo-${++n}`);
}

/** A clock the test moves by hand. */
function movableClock(start = new Date('2030-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let t = start.getTime();
  const clock = (() => new Date(t)) as Clock & { advance(ms: number): void };
  clock.advance = (ms) => {
    t += ms;
  };
  return clock;
}

function readMd(dir: string, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'metadata', name), 'utf8')) as Record<string, unknown>;
}

async function assertCode(fn: () => unknown, code: string): Promise<void> {
  await assert.rejects(async () => fn(), (e: unknown) => {
    assert.ok(e instanceof TufError, `expected TufError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('TufRepository.init', () => {
  it('writes version 1 of every role in the consistent-snapshot layout, keys 0600', () => {
    const dir = fresh();
    const clock = movableClock();
    const repo = TufRepository.init(dir, { targets: [{ name: 'trusted_root.json', content: trustedRootBytes }], clock });
    assert.deepEqual(repo.versions(), { root: 1, targets: 1, snapshot: 1, timestamp: 1 });
    assert.deepEqual(readdirSync(join(dir, 'metadata')).sort(), ['1.root.json', '1.snapshot.json', '1.targets.json', 'timestamp.json']);
    const sha = createHash('sha256').update(trustedRootBytes).digest('hex');
    assert.deepEqual(readdirSync(join(dir, 'targets')), [`${sha}.trusted_root.json`]);
    assert.equal(readFileSync(join(dir, 'root.json'), 'utf8'), readFileSync(join(dir, 'metadata', '1.root.json'), 'utf8'));
    for (const keyDir of ['keys', 'online-keys']) {
      assert.equal(statSync(join(dir, keyDir)).mode & 0o777, 0o700);
      for (const f of readdirSync(join(dir, keyDir))) assert.equal(statSync(join(dir, keyDir, f)).mode & 0o777, 0o600, f);
    }
    assert.deepEqual(readdirSync(join(dir, 'keys')).map((f) => f.split('-')[0]).sort(), ['root', 'targets']);
    assert.deepEqual(readdirSync(join(dir, 'online-keys')).map((f) => f.split('-')[0]).sort(), ['snapshot', 'timestamp']);
    // Expirations: root 1y, targets 3 months, snapshot 1 week, timestamp 1 day from the clock.
    const t0 = clock().getTime();
    const exp = Object.fromEntries(repo.expiryReport().map((r) => [r.role, r.expires.getTime() - t0]));
    assert.deepEqual(exp, { root: DEFAULT_EXPIRATIONS.root, targets: DEFAULT_EXPIRATIONS.targets, snapshot: DEFAULT_EXPIRATIONS.snapshot, timestamp: DEFAULT_EXPIRATIONS.timestamp });
    const root = readMd(dir, '1.root.json') as { signed: { consistent_snapshot: boolean; roles: Record<string, { threshold: number }> } };
    assert.equal(root.signed.consistent_snapshot, true);
  });

  it('signs every role verifiably (@tufjs/models), with ecdsa and ed25519 keys and thresholds', () => {
    for (const keyType of ['ecdsa-sha2-nistp256', 'ed25519'] as const) {
      const dir = fresh();
      TufRepository.init(dir, { keyType, roles: { root: { keys: 3, threshold: 2 } }, targets: [{ name: 'trusted_root.json', content: trustedRootBytes }] });
      const root = Metadata.fromJSON(MetadataKind.Root, readMd(dir, '1.root.json') as never);
      assert.equal(root.signed.roles['root']?.threshold, 2);
      assert.equal(root.signed.roles['root']?.keyIDs.length, 3);
      assert.equal(Object.keys(root.signatures).length, 3);
      root.verifyDelegate('root', root);
      root.verifyDelegate('targets', Metadata.fromJSON(MetadataKind.Targets, readMd(dir, '1.targets.json') as never));
      root.verifyDelegate('snapshot', Metadata.fromJSON(MetadataKind.Snapshot, readMd(dir, '1.snapshot.json') as never));
      root.verifyDelegate('timestamp', Metadata.fromJSON(MetadataKind.Timestamp, readMd(dir, 'timestamp.json') as never));
      const key = Object.values(root.signed.keys)[0];
      assert.equal(key?.keyType, keyType);
    }
  });

  it('refuses to overwrite a repository (ERR_TUF_EXISTS) and a bad target name (ERR_TUF_TARGET_NAME)', async () => {
    const dir = fresh();
    TufRepository.init(dir);
    await assertCode(() => TufRepository.init(dir), 'ERR_TUF_EXISTS');
    for (const name of ['../x', 'a/b', '', '.hidden', 'x\u0000']) {
      await assertCode(() => TufRepository.init(fresh(), { targets: [{ name, content: Buffer.from('x') }] }), 'ERR_TUF_TARGET_NAME');
    }
  });

  it('refuses trust material clients would reject', () => {
    assert.throws(
      () => TufRepository.init(fresh(), { targets: [{ name: 'trusted_root.json', content: Buffer.from('{"mediaType":"nope"}') }] }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_TRUSTROOT_VERSION',
    );
  });
});

describe('TufRepository.open', () => {
  it('fails on an empty directory (ERR_TUF_NOT_FOUND) and a broken repository (ERR_TUF_METADATA)', async () => {
    await assertCode(() => TufRepository.open(fresh()), 'ERR_TUF_NOT_FOUND');
    const dir = fresh();
    TufRepository.init(dir);
    writeFileSync(join(dir, 'metadata', 'timestamp.json'), '{"signed": {"_type": "timestamp"}, "signatures": []}');
    await assertCode(() => TufRepository.open(dir).versions(), 'ERR_TUF_METADATA');
    writeFileSync(join(dir, 'config.json'), '{');
    await assertCode(() => TufRepository.open(dir), 'ERR_TUF_METADATA');
  });
});

describe('TufRepository.addTargets', () => {
  it('publishes a new targets, snapshot and timestamp version, keeping old files', () => {
    const dir = fresh();
    const repo = TufRepository.init(dir, { targets: [{ name: 'trusted_root.json', content: trustedRootBytes }] });
    const p = repo.addTargets([{ name: 'notes.txt', content: Buffer.from('hello') }], { keysDir: join(dir, 'keys') });
    assert.deepEqual(p, { targets: 2, snapshot: 2, timestamp: 2 });
    assert.deepEqual(repo.listTargets().map((t) => t.name).sort(), ['notes.txt', 'trusted_root.json']);
    assert.ok(existsSync(join(dir, 'metadata', '1.targets.json')) && existsSync(join(dir, 'metadata', '2.targets.json')));
    const ts = readMd(dir, 'timestamp.json') as { signed: { meta: Record<string, { version: number; hashes: { sha256: string }; length: number }> } };
    const snap = readFileSync(join(dir, 'metadata', '2.snapshot.json'));
    assert.equal(ts.signed.meta['snapshot.json']?.version, 2);
    assert.equal(ts.signed.meta['snapshot.json']?.hashes.sha256, createHash('sha256').update(snap).digest('hex'));
    assert.equal(ts.signed.meta['snapshot.json']?.length, snap.length);
  });

  it('needs the targets keys (ERR_TUF_KEY_MISSING) and refuses exposed or bad key files (ERR_TUF_KEY)', async () => {
    const dir = fresh();
    const repo = TufRepository.init(dir);
    const empty = join(tmp, `empty-${n}`);
    await assertCode(() => repo.addTargets([{ name: 'a', content: Buffer.from('a') }], { keysDir: empty }), 'ERR_TUF_KEY_MISSING');
    const keyFile = readdirSync(join(dir, 'keys'))[0] as string;
    chmodSync(join(dir, 'keys', keyFile), 0o644);
    await assertCode(() => readKeyDir(join(dir, 'keys')), 'ERR_TUF_KEY');
    chmodSync(join(dir, 'keys', keyFile), 0o600);
    writeFileSync(join(dir, 'keys', 'junk.pem'), 'not a key', { mode: 0o600 });
    await assertCode(() => readKeyDir(join(dir, 'keys')), 'ERR_TUF_KEY');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    await assertCode(() => signingKeyFromPrivate(privateKey), 'ERR_TUF_KEY');
  });

  it('does not interleave with another writer (ERR_TUF_LOCKED)', async () => {
    const dir = fresh();
    const repo = TufRepository.init(dir);
    writeFileSync(join(dir, '.lock'), '12345\n');
    await assertCode(() => repo.publish(), 'ERR_TUF_LOCKED');
    rmSync(join(dir, '.lock'));
    assert.deepEqual(repo.publish(), { snapshot: 2, timestamp: 2 });
  });
});

describe('TufRepository.rotateRoot', () => {
  it('writes N+1.root.json signed by the old and the new root keys, keeping every version', () => {
    const dir = fresh();
    const repo = TufRepository.init(dir, { roles: { root: { keys: 2, threshold: 2 } } });
    const keysDir = join(dir, 'keys');
    assert.deepEqual(repo.rotateRoot({ keysDir }), { root: 2 });
    assert.deepEqual(repo.rotateRoot({ keysDir, keys: 1, threshold: 1 }), { root: 3 });
    const v = [1, 2, 3].map((i) => Metadata.fromJSON(MetadataKind.Root, readMd(dir, `${i}.root.json`) as never));
    for (let i = 1; i < 3; i++) {
      const [prev, next] = [v[i - 1]!, v[i]!];
      prev.verifyDelegate('root', next);
      next.verifyDelegate('root', next);
      assert.notDeepEqual(prev.signed.roles['root']?.keyIDs, next.signed.roles['root']?.keyIDs);
      // The online roles keep their keys: snapshot and timestamp stay valid across rotations.
      assert.deepEqual(prev.signed.roles['timestamp']?.keyIDs, next.signed.roles['timestamp']?.keyIDs);
    }
    assert.equal(v[2]!.signed.roles['root']?.keyIDs.length, 1);
    assert.equal(readFileSync(join(dir, 'root.json'), 'utf8'), readFileSync(join(dir, 'metadata', '3.root.json'), 'utf8'));
    assert.equal(repo.versions().root, 3);
  });

  it('--keep-keys only extends the expiry; without the old keys it refuses (ERR_TUF_KEY_MISSING)', async () => {
    const dir = fresh();
    const clock = movableClock();
    const repo = TufRepository.init(dir, { clock });
    clock.advance(300 * DAY);
    repo.rotateRoot({ keysDir: join(dir, 'keys'), keepKeys: true });
    const [r1, r2] = [1, 2].map((i) => Metadata.fromJSON(MetadataKind.Root, readMd(dir, `${i}.root.json`) as never));
    assert.deepEqual(r1!.signed.roles['root']?.keyIDs, r2!.signed.roles['root']?.keyIDs);
    assert.equal(new Date(r2!.signed.expires).getTime(), clock().getTime() + DEFAULT_EXPIRATIONS.root);
    await assertCode(() => repo.rotateRoot({ keysDir: join(tmp, 'no-keys-here') }), 'ERR_TUF_KEY_MISSING');
  });
});

describe('TufRepository.resignExpiring and expiry warnings (injected clock)', () => {
  it('re-signs the timestamp at half-life, the snapshot at half-life, and nothing before', () => {
    const dir = fresh();
    const clock = movableClock();
    const repo = TufRepository.init(dir, { clock });
    assert.deepEqual(repo.resignExpiring(clock()), {});
    clock.advance(11 * 3600_000);
    assert.deepEqual(repo.resignExpiring(clock()), {});
    clock.advance(1 * 3600_000);
    assert.deepEqual(repo.resignExpiring(clock()), { timestamp: 2 });
    const ts = repo.expiryReport(clock()).find((r) => r.role === 'timestamp');
    assert.equal(ts?.remainingMs, DAY);
    // Keep ticking every hour for 4 days: the timestamp never gets within 12 h of expiry, the
    // snapshot is re-signed once it has 3.5 days left.
    let snapshots = 0;
    for (let h = 0; h < 96; h++) {
      clock.advance(3600_000);
      const p = repo.resignExpiring(clock());
      if (p.snapshot !== undefined) snapshots++;
      for (const r of repo.expiryReport(clock())) {
        if (r.online) assert.ok(r.remainingMs > r.warnWithinMs, `${r.role} got too close to expiry`);
      }
    }
    assert.equal(snapshots, 1);
    assert.deepEqual(repo.expiryWarnings(clock()), []);
  });

  it('reports every role inside its warning window, and expired ones', () => {
    const dir = fresh();
    const clock = movableClock();
    const repo = TufRepository.init(dir, { clock, expirations: { root: 40 * DAY, targets: 60 * DAY } });
    assert.deepEqual(repo.expiryWarnings(clock()), []);
    clock.advance(21 * DAY);
    // root (40 d) warns when 20 d are left; targets (60 d) at 30 d; online roles are long expired.
    const w = repo.expiryWarnings(clock());
    assert.deepEqual(w.map((r) => [r.role, r.expired]), [['root', false], ['snapshot', true], ['timestamp', true]]);
    clock.advance(9 * DAY);
    assert.deepEqual(repo.expiryWarnings(clock()).map((r) => r.role), ['root', 'targets', 'snapshot', 'timestamp']);
    assert.deepEqual(repo.expiryWarnings(clock(), { root: 0, targets: 0 }).map((r) => r.role), ['snapshot', 'timestamp']);
    repo.resignExpiring(clock());
    assert.deepEqual(repo.expiryWarnings(clock()).map((r) => r.role), ['root', 'targets']);
    // publish with the offline keys re-signs the due targets as well.
    assert.deepEqual(repo.publish({ keysDir: join(dir, 'keys') }), { targets: 2, snapshot: 3, timestamp: 3 });
    assert.deepEqual(repo.expiryWarnings(clock()).map((r) => r.role), ['root']);
  });
});

describe('bootstrapTrust without a network', () => {
  it('needs an initialized cache (ERR_TUF_NOT_FOUND)', async () => {
    await assertCode(() => bootstrapTrust({ cacheDir: join(tmp, 'no-cache'), offline: true }), 'ERR_TUF_NOT_FOUND');
  });
  it('offline with only a root cached fails without fetching (ERR_TUF_OFFLINE)', async () => {
    const dir = fresh();
    TufRepository.init(dir);
    let fetches = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
      fetches++;
      return realFetch(...args);
    }) as typeof fetch;
    try {
      await assertCode(
        () => bootstrapTrust({ mirror: 'http://127.0.0.1:9/', rootJson: readFileSync(join(dir, 'root.json')), cacheDir: join(tmp, `cache-${n}`), offline: true }),
        'ERR_TUF_OFFLINE',
      );
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.equal(fetches, 0);
  });
});
