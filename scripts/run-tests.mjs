#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist-test/**/*.test.js and test/**/dist/*.test.js)
// with node:test. Build first (`npm run build`); `npm test` does both.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(relative(root, p));
  }
}
for (const pkg of readdirSync(join(root, 'packages'))) {
  const d = join(root, 'packages', pkg, 'dist-test');
  if (existsSync(d)) walk(d);
}
for (const d of ['test/e2e/dist', 'test/arch/dist']) if (existsSync(join(root, d))) walk(join(root, d));
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error('run-tests: no test files found; did `npm run build` run?');
  process.exit(1);
}
// Tests never read a developer's own TUF cache (~/.cache/signet/tuf); those that need one make it.
const env = { ...process.env, SIGNET_TUF_CACHE: 'off' };
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...selected], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
