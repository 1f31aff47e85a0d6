import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '@signet/cli';
import { TokenVerifier } from '@signet/oidc';
import { createDevIssuer } from '@signet/server-oidc-dev';

async function signet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('signet oidc-dev token', () => {
  it('prints a token from a running development issuer that verifies', async (t) => {
    const dev = await createDevIssuer();
    t.after(() => dev.close());
    const verifier = new TokenVerifier([{ issuerUrl: dev.url }]);
    const email = await signet('oidc-dev', 'token', '--issuer', dev.url, '--email', 'alice@example.com');
    assert.equal(email.code, 0, email.err);
    assert.equal((await verifier.verify(email.out)).claims['email'], 'alice@example.com');

    const gh = await signet('oidc-dev', 'token', '--issuer', dev.url, '--github-workflow', 'acme/app/.github/workflows/release.yml@refs/tags/v1');
    assert.equal(gh.code, 0, gh.err);
    assert.equal((await verifier.verify(gh.out)).subject, 'repo:acme/app:ref:refs/tags/v1');

    const gl = await signet('oidc-dev', 'token', '--issuer', `${dev.url}/`, '--gitlab-pipeline', 'group/project@main', '--audience', 'other');
    assert.equal(gl.code, 0, gl.err);
    const v = await new TokenVerifier([{ issuerUrl: dev.url, clientId: 'other' }]).verify(gl.out);
    assert.equal(v.claims['project_path'], 'group/project');
  });

  it('wants exactly one identity flag (exit 2)', async () => {
    const none = await signet('oidc-dev', 'token', '--issuer', 'http://127.0.0.1:9');
    assert.equal(none.code, 2);
    assert.match(none.err, /ERR_CLI_USAGE/);
    const two = await signet('oidc-dev', 'token', '--issuer', 'http://127.0.0.1:9', '--email', 'a@example.com', '--gitlab-pipeline', 'g/p@main');
    assert.equal(two.code, 2);
  });

  it('relays the issuer rejection of a malformed identity', async (t) => {
    const dev = await createDevIssuer();
    t.after(() => dev.close());
    const r = await signet('oidc-dev', 'token', '--issuer', dev.url, '--github-workflow', 'not-a-workflow');
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: ERR_OIDC_DEV_IDENTITY: /);
  });

  it('fails with ERR_OIDC_ACQUIRE when no issuer answers', async () => {
    const r = await signet('oidc-dev', 'token', '--issuer', 'http://127.0.0.1:9', '--email', 'a@example.com');
    assert.equal(r.code, 1);
    assert.match(r.err, /ERR_OIDC_ACQUIRE/);
  });
});

describe('signet serve oidc-dev', () => {
  it('refuses a non-loopback listen address (exit 2)', async () => {
    const r = await signet('serve', 'oidc-dev', '--listen', '0.0.0.0:0');
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_CLI_USAGE.*loopback/);
  });

  it('runs as a process, serves discovery, and mints tokens for `oidc-dev token`', async (t) => {
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve', 'oidc-dev', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const m = /signet serve oidc-dev: (http:\/\/\S+) /.exec(buf);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      setTimeout(() => reject(new Error('no URL printed')), 15_000).unref();
    });
    const doc = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(doc.issuer, url);
    const r = await signet('oidc-dev', 'token', '--issuer', url, '--email', 'bob@example.com');
    assert.equal(r.code, 0, r.err);
    assert.equal((await new TokenVerifier([{ issuerUrl: url }]).verify(r.out)).claims['email'], 'bob@example.com');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
  });
});
