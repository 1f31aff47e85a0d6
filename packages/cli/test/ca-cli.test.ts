import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@signet/cli';
import { createDevIssuer } from '@signet/server-oidc-dev';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('signet ca whoami', () => {
  it('prints the SAN and extensions of a verified token; maps unverified claims only with --insecure-skip-verify', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-ca-cli-'));
    const issuer = await createDevIssuer();
    t.after(async () => { await issuer.close(); rmSync(dir, { recursive: true, force: true }); });
    const config = join(dir, 'issuers.yaml');
    writeFileSync(config, `oidc-issuers:\n  ${issuer.url}:\n    issuer-url: ${issuer.url}\n    client-id: sigstore\n    type: github-workflow\n`);
    const token = issuer.mintToken({ githubWorkflow: 'octo/widget/.github/workflows/ci.yml@main' });
    const ok = await cli(['ca', 'whoami', '--token', token, '--issuers', config]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /SAN \(uri\): https:\/\/github\.com\/octo\/widget\/\.github\/workflows\/ci\.yml@refs\/heads\/main/);
    assert.match(ok.out, /sourceRepositoryURI: https:\/\/github\.com\/octo\/widget/);
    assert.match(ok.out, /tokenSubject: repo:octo\/widget:ref:refs\/heads\/main/);
    const expired = issuer.mintToken({ githubWorkflow: 'octo/widget/.github/workflows/ci.yml@main' }, { issuedAt: new Date(Date.now() - 7_200_000) });
    const refused = await cli(['ca', 'whoami', '--token', expired, '--issuers', config]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /ERR_CA_TOKEN/);
    const insecure = await cli(['ca', 'whoami', '--token', expired, '--issuers', config, '--insecure-skip-verify']);
    assert.equal(insecure.code, 0);
    assert.match(insecure.err, /NOT verified/);
    const bad = await cli(['ca', 'whoami', '--token', 'x.e30.y', '--issuers', config, '--insecure-skip-verify']);
    assert.match(bad.err, /ERR_CA_ISSUER/);
    writeFileSync(config, 'oidc-issuers:\n  https://a.test:\n    type: email\n');
    const badConfig = await cli(['ca', 'whoami', '--token', token, '--issuers', config]);
    assert.match(badConfig.err, /ERR_CA_CONFIG: .*issuer-url/);
  });
});

describe('signet serve ca', () => {
  it('runs the CA and its CT log and writes trusted_root.json', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-serve-ca-'));
    const config = join(dir, 'issuers.yaml');
    writeFileSync(config, 'oidc-issuers:\n  https://accounts.example.com:\n    issuer-url: https://accounts.example.com\n    client-id: sigstore\n    type: email\n');
    const child = spawn(process.execPath, [bin, 'serve', 'ca', '--data-dir', join(dir, 'data'), '--issuers', config, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => { if (child.exitCode === null) child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); });
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const line = buf.split('\n')[0];
        if (buf.includes('\n') && line) resolve(line.trim());
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const conf = await (await fetch(`${url}/api/v2/configuration`)).json() as { issuers: { issuerUrl: string }[] };
    assert.equal(conf.issuers[0]?.issuerUrl, 'https://accounts.example.com');
    const sth = await (await fetch(`${url}/ct/v1/get-sth`)).json() as { tree_size: number };
    assert.equal(sth.tree_size, 0);
    const root = JSON.parse(readFileSync(join(dir, 'data', 'trusted_root.json'), 'utf8')) as { ctlogs: unknown[]; certificateAuthorities: unknown[] };
    assert.equal(root.ctlogs.length, 1);
    assert.equal(root.certificateAuthorities.length, 1);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  });
});
