import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@signet/cli';

function capture(): { io: { out(s: string): void; err(s: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err };
}

describe('signet serve tlog / signet log fsck', () => {
  it('refuses a malformed --listen as a usage error', async () => {
    const c = capture();
    assert.equal(await run(['serve', 'tlog', '--data-dir', '/nonexistent', '--listen', 'no-port'], c.io), 2);
    assert.match(c.err.join('\n'), /ERR_CLI_USAGE/);
  });

  it('fsck of a directory without a log fails with ERR_CLI_IO', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-tlog-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const c = capture();
    assert.equal(await run(['log', 'fsck', '--data-dir', dir], c.io), 1);
    assert.match(c.err.join('\n'), /ERR_CLI_IO/);
  });
});
