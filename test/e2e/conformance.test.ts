import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const runner = fileURLToPath(new URL('../../../../shared/conformance/run-verify-cases.sh', import.meta.url));

describe('sigstore-conformance bundle-verify cases', () => {
  it('pass through `signet conformance verify-bundle` in path and digest modes', () => {
    assert.ok(existsSync(runner), `conformance runner missing at ${runner}: the repository expects ../shared beside it`);
    const r = spawnSync('bash', [runner, `${process.execPath} packages/cli/dist/bin.js conformance`], { cwd: repo, encoding: 'utf8', timeout: 240_000 });
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    const m = /^(\d+) passed, (\d+) failed$/.exec(last);
    assert.ok(m, `unexpected runner output:\n${r.stdout}\n${r.stderr}`);
    assert.equal(Number(m[2]), 0, r.stdout);
    assert.ok(Number(m[1]) >= 44, r.stdout);
  });
});
