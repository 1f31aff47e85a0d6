import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePem } from '@signet/core';
import { parseTrustedRoot } from '@signet/bundle';
import { buildTrustMaterial, verifyRFC3161Timestamp } from '@signet/verify';
import { run } from '@signet/cli';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'packages/cli/dist/bin.js');

interface Running {
  child: ChildProcess;
  base: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `signet serve tsa` and waits for the line with its URL. */
async function serveTsa(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, 'serve', 'tsa', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /signet serve tsa: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening; stderr: ${err}`)));
  });
  return { child, base, stderr: () => err, exited };
}

async function stop(r: Running, signal: NodeJS.Signals): Promise<number | null> {
  r.child.kill(signal);
  return r.exited;
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signet-cli-tsa-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('signet serve tsa', () => {
  it('generates the TSA on first start, writes a trusted root listing it, timestamps, stops on SIGTERM; restarts with the same TSA', async (t) => {
    const dir = join(tmp, 'tsa');
    const first = await serveTsa(['--data-dir', dir]);
    t.after(() => first.child.kill('SIGKILL'));
    assert.equal(statSync(join(dir, 'tsa-key.pem')).mode & 0o777, 0o600);

    const rootText = readFileSync(join(dir, 'trusted_root.json'), 'utf8');
    const root = parseTrustedRoot(rootText);
    assert.equal(root.timestampAuthorities.length, 1);
    const tsa = root.timestampAuthorities[0]!;
    assert.equal(tsa.uri, `${first.base}/api/v1/timestamp`);
    assert.equal(tsa.certChain.certificates.length, 2);
    assert.ok(tsa.validFor.start.getTime() <= Date.now());

    const chain = await (await fetch(`${first.base}/api/v1/timestamp/certchain`)).text();
    assert.deepEqual(decodePem(chain).map((b) => b.der), tsa.certChain.certificates);

    const signature = Buffer.from('bytes of a signature');
    const res = await fetch(`${first.base}/api/v1/timestamp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ artifactHash: createHash('sha256').update(signature).digest('base64'), hashAlgorithm: 'sha256' }),
    });
    assert.equal(res.status, 201);
    const token = Buffer.from(await res.arrayBuffer());
    const v = verifyRFC3161Timestamp(token, signature, buildTrustMaterial(root).timestampAuthorities);
    assert.equal(v.authority.uri, tsa.uri);

    assert.equal(await stop(first, 'SIGTERM'), 0, first.stderr());

    const second = await serveTsa(['--data-dir', dir]);
    t.after(() => second.child.kill('SIGKILL'));
    const chain2 = await (await fetch(`${second.base}/api/v1/timestamp/certchain`)).text();
    assert.equal(chain2, chain, 'the second start loads the same key and chain');
    assert.equal(await stop(second, 'SIGINT'), 0, second.stderr());
  });

  it('serves a TSA from --key/--chain PEM files and writes its trusted root', async (t) => {
    const source = join(tmp, 'source');
    const gen = await serveTsa(['--data-dir', source, '--key-type', 'ecdsa-p384']);
    assert.equal(await stop(gen, 'SIGTERM'), 0);
    const dir = join(tmp, 'from-files');
    const r = await serveTsa(['--data-dir', dir, '--key', join(source, 'tsa-key.pem'), '--chain', join(source, 'tsa-chain.pem'), '--url', 'https://tsa.example.com/']);
    t.after(() => r.child.kill('SIGKILL'));
    const root = parseTrustedRoot(readFileSync(join(dir, 'trusted_root.json'), 'utf8'));
    assert.equal(root.timestampAuthorities[0]!.uri, 'https://tsa.example.com/api/v1/timestamp');
    assert.deepEqual(root.timestampAuthorities[0]!.certChain.certificates, decodePem(readFileSync(join(source, 'tsa-chain.pem'), 'utf8')).map((b) => b.der));
    assert.equal(await stop(r, 'SIGTERM'), 0);
  });

  it('replaces a trusted_root.json that does not list this TSA', async (t) => {
    const dir = join(tmp, 'stale');
    const first = await serveTsa(['--data-dir', dir]);
    assert.equal(await stop(first, 'SIGTERM'), 0);
    writeFileSync(join(dir, 'trusted_root.json'), '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[],"certificateAuthorities":[],"ctlogs":[],"timestampAuthorities":[]}');
    const second = await serveTsa(['--data-dir', dir]);
    t.after(() => second.child.kill('SIGKILL'));
    assert.equal(parseTrustedRoot(readFileSync(join(dir, 'trusted_root.json'), 'utf8')).timestampAuthorities.length, 1);
    assert.match(second.stderr(), /replaced .*trusted_root\.json/);
    assert.equal(await stop(second, 'SIGTERM'), 0);
  });

  it('reports usage errors with exit 2 and store errors with exit 1', async () => {
    const io = { out: () => undefined, err: (s: string) => errs.push(s) };
    const errs: string[] = [];
    assert.equal(await run(['serve', 'tsa', '--data-dir', join(tmp, 'x'), '--listen', 'nowhere'], io), 2);
    assert.match(errs.join('\n'), /ERR_CLI_USAGE/);
    assert.equal(await run(['serve', 'tsa', '--data-dir', join(tmp, 'x'), '--key', 'k.pem'], io), 2);
    assert.equal(await run(['serve', 'tsa', '--data-dir', join(tmp, 'x'), '--url', 'ftp://x'], io), 2);
    assert.equal(await run(['serve', 'tsa', '--data-dir', join(tmp, 'x'), '--key-type', 'dsa'], io), 2);
    assert.equal(await run(['serve', 'tsa', '--data-dir', join(tmp, 'x'), '--policy', 'not-an-oid', '--listen', '127.0.0.1:0'], io), 2);
    errs.length = 0;
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    assert.equal(await run(['serve', 'tsa', '--data-dir', join(file, 'sub'), '--listen', '127.0.0.1:0'], io), 1);
    assert.match(errs.join('\n'), /^error: ERR_TSA_STORE: /);
  });
});
