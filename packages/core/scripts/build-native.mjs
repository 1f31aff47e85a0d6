#!/usr/bin/env node
// Builds the optional N-API addon (native/digest_sign.c → build/Release/signet_digest.node) that
// signs and verifies precomputed digests at OpenSSL speed. Runs as this package's `install`
// script. It never fails the install: without the addon, src/digest-signature.ts falls back to
// pure JS. Set SIGNET_SKIP_NATIVE_BUILD=1 to skip it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const log = join(pkgDir, 'build', 'build-native.log');

if (process.env.SIGNET_SKIP_NATIVE_BUILD === '1') process.exit(0);

/** node-gyp's CLI: the one npm passes to lifecycle scripts, else npm's bundled copy, else PATH. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const npmRoot = join(dirname(realpathSync(process.execPath)), '..', 'lib', 'node_modules', 'npm');
  candidates.push(join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package; fine
  }
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
}

const args = ['rebuild'];
// Prefer the headers installed next to the running node (they match it exactly, OpenSSL
// headers included) over node-gyp downloading them, which fails offline.
const prefix = join(dirname(realpathSync(process.execPath)), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}

const gyp = findNodeGyp();
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { cwd: pkgDir, encoding: 'utf8' })
  : spawnSync('node-gyp', args, { cwd: pkgDir, encoding: 'utf8', shell: process.platform === 'win32' });

if (r.status !== 0) {
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, `node-gyp ${args.join(' ')}\n${output}`);
  const reason = output.split('\n').find((l) => /error/i.test(l))?.trim() ?? `exit ${r.status}`;
  console.warn(`@signet/core: native digest addon not built (${reason.slice(0, 160)}); using the slower JS fallback. Log: ${log}`);
}
