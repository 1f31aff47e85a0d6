// The `signet` command. `npm run build` bundles this module and what it imports into
// dist/bin.js (scripts/bundle-cli.mjs); that file is the command users run.
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { userCacheHome } from './cache-dir.js';

// Node ≥ 22.1 can keep V8's compiled code of the modules it loads on disk, which saves most of
// their compile time at every later start (docs/cli-startup.md). The cache goes to the user's
// own cache directory, never to Node's default (the shared OS temp dir, where another local
// user could create it first and plant entries). NODE_COMPILE_CACHE=DIR, read by Node itself
// at start-up, takes precedence; NODE_DISABLE_COMPILE_CACHE=1 turns the cache off. Node 20 has
// no such function (@types/node 20 does not declare it): there, nothing happens.
const { enableCompileCache } = nodeModule as { enableCompileCache?: (directory?: string) => unknown };
if (enableCompileCache) enableCompileCache(join(userCacheHome(), 'signet', 'node-compile-cache'));

// Imported only now, so that the CLI's modules are compiled through the cache.
const { run } = await import('./run.js');
const code = await run(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
});
process.exitCode = code;
