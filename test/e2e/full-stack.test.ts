// The whole keyless flow across Signet's own services, each started as a real `signet serve`
// process on loopback: the development OIDC issuer mints an email identity token; sigstore-js
// (an independent client) obtains a certificate from our CA (SCT from our CT log), logs the
// signature in our transparency log (Rekor v1 API) and timestamps it with our TSA; then
// `signet verify-blob` and @sigstore/verify both accept the bundle against the trusted roots the
// services wrote, and reject it for another identity.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, TSAWitness } from '@sigstore/sign';
import { Verifier as SigstoreVerifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'packages/cli/dist/bin.js');
const children: ChildProcess[] = [];
let dir: string;

/** Starts `signet serve …` and resolves with the first http://127.0.0.1:PORT it prints. */
function serve(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIGNET_TUF_CACHE: 'off' } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`signet serve ${args[0]} did not start: ${out}${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`signet serve ${args[0]} exited with ${code}: ${out}${err}`));
    });
  });
}

const json = (path: string): Record<string, unknown[]> => JSON.parse(readFileSync(path, 'utf8'));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'signet-e2e-'));
});
after(async () => {
  await Promise.all(children.map((c) => new Promise<void>((done) => {
    if (c.exitCode !== null) return done();
    c.once('exit', () => done());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
  })));
  rmSync(dir, { recursive: true, force: true });
});

describe('keyless signing across Signet\'s services, verified by signet verify-blob and sigstore-js', () => {
  it('signs, logs, timestamps and verifies', { timeout: 120_000 }, async () => {
    const issuer = await serve(['oidc-dev', '--listen', '127.0.0.1:0']);
    const issuers = join(dir, 'issuers.yaml');
    writeFileSync(issuers, `oidc-issuers:\n  ${issuer}:\n    issuer-url: ${issuer}\n    client-id: sigstore\n    type: email\n`);
    const [ca, tlog, tsa] = await Promise.all([
      serve(['ca', '--data-dir', join(dir, 'ca'), '--issuers', issuers, '--listen', '127.0.0.1:0']),
      serve(['tlog', '--data-dir', join(dir, 'tlog'), '--listen', '127.0.0.1:0']),
      serve(['tsa', '--data-dir', join(dir, 'tsa'), '--listen', '127.0.0.1:0']),
    ]);

    const email = 'release-bot@signet.test';
    const tokenRun = spawnSync(process.execPath, [bin, 'oidc-dev', 'token', '--issuer', issuer, '--email', email], { encoding: 'utf8' });
    assert.equal(tokenRun.status, 0, tokenRun.stderr);
    const token = tokenRun.stdout.trim();

    const artifact = join(dir, 'release.tar.gz');
    const data = Buffer.from('a release artifact, signed keyless through Signet\n');
    writeFileSync(artifact, data);
    const builder = new MessageSignatureBundleBuilder({
      signer: new FulcioSigner({ fulcioBaseURL: ca, identityProvider: { getToken: async () => token } }),
      witnesses: [new RekorWitness({ rekorBaseURL: tlog }), new TSAWitness({ tsaBaseURL: tsa, retry: false })],
    });
    const bundlePath = join(dir, 'release.tar.gz.sigstore.json');
    const bundle = await builder.create({ data });
    writeFileSync(bundlePath, JSON.stringify(bundleToJSON(bundle)));

    // One trusted root from what each service wrote into its data directory.
    const root = json(join(dir, 'ca', 'trusted_root.json'));
    root['tlogs'] = json(join(dir, 'tlog', 'trusted_root.json'))['tlogs'] ?? [];
    root['timestampAuthorities'] = json(join(dir, 'tsa', 'trusted_root.json'))['timestampAuthorities'] ?? [];
    const rootPath = join(dir, 'trusted_root.json');
    writeFileSync(rootPath, JSON.stringify(root));

    const verify = (identity: string) =>
      spawnSync(process.execPath, [bin, 'verify-blob', artifact, '--bundle', bundlePath, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, '--trusted-root', rootPath], {
        encoding: 'utf8',
        env: { ...process.env, SIGNET_TUF_CACHE: 'off' },
      });
    const ok = verify(email);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /Verified OK/);
    const wrong = verify('someone-else@signet.test');
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /ERR_VERIFY_POLICY_SAN/);

    // The independent oracle agrees: certificate chain, SCT, SET, inclusion proof, timestamp.
    const theirs = new SigstoreVerifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 2 });
    theirs.verify(toSignedEntity(bundle, data), { subjectAlternativeName: email, extensions: { issuer } });

    // And the log itself is sound afterwards.
    const fsck = spawnSync(process.execPath, [bin, 'log', 'fsck', '--data-dir', join(dir, 'tlog')], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  });
});
