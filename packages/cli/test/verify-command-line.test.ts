import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram, parseVerifyCommandLine, userCacheHome, VERIFY_FLAGS, type VerifyBlobOptions } from '@signet/cli';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const artifact = join(repo, 'examples/a.txt');
const bundle = join(repo, 'examples/a.txt.sigstore.json');
const identity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const issuer = 'https://token.actions.githubusercontent.com';

const silent = { out: () => {}, err: () => {} };

/** What commander hands the action of `argv`'s verify command (the action is replaced, nothing runs). */
async function readByCommander(argv: readonly string[]): Promise<{ input: string; options: VerifyBlobOptions }> {
  const program = buildProgram(silent);
  const names = argv[0] === 'conformance' ? ['conformance', 'verify-bundle'] : ['verify-blob'];
  let cmd: Command = program;
  for (const n of names) cmd = cmd.commands.find((c) => c.name() === n) as Command;
  let seen: { input: string; options: VerifyBlobOptions } | undefined;
  cmd.action((input: string, options: VerifyBlobOptions) => {
    seen = { input, options };
  });
  await program.parseAsync([...argv], { from: 'user' });
  assert.ok(seen, `commander did not reach ${names.join(' ')}`);
  return seen;
}

/** Drops absent flags, so that "not given" compares equal however it is spelled. */
function given(o: VerifyBlobOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

describe('parseVerifyCommandLine', () => {
  const plain: [string, string[]][] = [
    ['verify-blob, the flags of the benchmark', ['verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer]],
    ['conformance verify-bundle, INPUT last', ['conformance', 'verify-bundle', '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, artifact]],
    ['--flag=value forms and a digest INPUT', ['verify-blob', `--bundle=${bundle}`, 'sha256:00ff', '--certificate-identity-regexp=^https://', '--certificate-oidc-issuer-regexp', '.']],
    ['repeated extension claims keep their order', ['verify-blob', artifact, '--bundle', bundle, '--certificate-extension', 'a=1', '--certificate-extension=b=2', '--key', 'k.pem']],
    ['a repeated single flag: the last one wins', ['verify-blob', artifact, '--bundle', 'first.json', '--bundle', bundle, '--trusted-root', 'r.json']],
    ['empty values', ['verify-blob', artifact, '--bundle', '', '--certificate-identity=', '--certificate-oidc-issuer', '']],
  ];
  for (const [name, argv] of plain) {
    it(`reads what commander reads: ${name}`, async () => {
      const fast = parseVerifyCommandLine(argv);
      assert.ok(fast, 'expected the plain reader to accept it');
      assert.equal(fast.command, argv[0] === 'conformance' ? 'conformance verify-bundle' : 'verify-blob');
      const slow = await readByCommander(argv);
      assert.equal(fast.input, slow.input);
      assert.deepEqual(given(fast.options), given(slow.options));
    });
  }

  const others: [string, string[]][] = [
    ['another command', ['bundle', 'inspect', bundle]],
    ['no command', []],
    ['conformance alone', ['conformance']],
    ['help', ['verify-blob', '--help']],
    ['short help', ['conformance', 'verify-bundle', '-h']],
    ['the version flag after the command', ['verify-blob', artifact, '--bundle', bundle, '-V']],
    ['an unknown flag', ['verify-blob', artifact, '--bundle', bundle, '--bogus']],
    ['an unknown negated flag', ['verify-blob', artifact, '--bundle', bundle, '--no-key']],
    ['no --bundle', ['verify-blob', artifact, '--certificate-identity', identity]],
    ['a flag without its value', ['verify-blob', artifact, '--bundle']],
    ['a value that looks like a flag', ['verify-blob', artifact, '--bundle', '-b.json']],
    ['no INPUT', ['verify-blob', '--bundle', bundle]],
    ['two INPUTs', ['verify-blob', artifact, artifact, '--bundle', bundle]],
    ['an INPUT that starts with a dash', ['verify-blob', '-', '--bundle', bundle]],
    ['--', ['verify-blob', '--bundle', bundle, '--', artifact]],
  ];
  for (const [name, argv] of others) {
    it(`leaves it to commander: ${name}`, () => {
      assert.equal(parseVerifyCommandLine(argv), undefined);
    });
  }

  it('has one table for commander and the plain reader: every flag and its help line', async () => {
    const help: string[] = [];
    const program = buildProgram({ out: (s) => help.push(s), err: () => {} });
    const cmd = program.commands.find((c) => c.name() === 'verify-blob') as Command;
    assert.deepEqual(
      cmd.options.map((o) => [o.long, o.attributeName(), o.mandatory]),
      VERIFY_FLAGS.map((f) => [`--${f.name}`, f.key, f.required === true]),
    );
    await assert.rejects(program.parseAsync(['verify-blob', '--help'], { from: 'user' }), { exitCode: 0 });
    for (const f of VERIFY_FLAGS) assert.ok(help.join('\n').includes(`--${f.name} ${f.value}`), f.name);
  });
});

describe('signet verify-blob start-up', () => {
  it('verifies without loading commander (nor node:child_process, which commander loads)', () => {
    // Reports, at exit, whether commander or child_process was ever loaded into this process.
    const probe = `import { createRequire } from 'node:module';
      process.on('exit', () => {
        const cjs = Object.keys(createRequire(process.execPath).cache).filter((k) => k.includes('/commander/'));
        process.stderr.write('PROBE ' + JSON.stringify({ commander: cjs.length, childProcess: process.moduleLoadList.includes('NativeModule child_process') }) + '\\n');
      });`;
    const bin = join(repo, 'packages/cli/dist/bin.js');
    const args = ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, bin];
    const ok = spawnSync(process.execPath, [...args, 'verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /Verified OK/);
    assert.match(ok.stderr, /PROBE \{"commander":0,"childProcess":false\}/);
    // The probe itself can see commander: a usage error goes through it.
    const usage = spawnSync(process.execPath, [...args, 'verify-blob', artifact], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /required option '--bundle <file>' not specified/);
    assert.match(usage.stderr, /PROBE \{"commander":[1-9]\d*,"childProcess":true\}/);
  });
});

describe('userCacheHome', () => {
  it('is $XDG_CACHE_HOME when set and not empty, else ~/.cache', () => {
    assert.equal(userCacheHome({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache');
    assert.equal(userCacheHome({ XDG_CACHE_HOME: '' }).endsWith('.cache'), true);
    assert.equal(userCacheHome({}).endsWith('.cache'), true);
  });
});
