#!/usr/bin/env node
// Step two of `npm run build` (after `tsc --build`): packages/cli/dist/bin.js, the `signet`
// command, becomes one ES module holding the CLI and the libraries of the verify path
// (@signet/core, bundle, merkle, verify), with lazily imported parts (commander, the other
// commands) split into packages/cli/dist/chunks/. Node 20 spends ~0.5–1 ms on every module it
// loads, so a verification that loaded ~60 of them starts ~35 ms sooner this way
// (docs/cli-startup.md). Everything else — services, storage, native addons' loaders that find
// files next to their own module — stays external and loads from node_modules as before.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}packages/cli/dist`;
/** Bundled: the CLI's own modules and these packages; every other bare import stays external. */
const BUNDLED = new Set(['@signet/core', '@signet/bundle', '@signet/merkle', '@signet/verify']);

rmSync(`${dist}/chunks`, { recursive: true, force: true });
await build({
  entryPoints: { bin: `${dist}/main.js` },
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
  plugins: [
    {
      name: 'external-unless-verify-path',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
          return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
        });
      },
    },
  ],
});
chmodSync(`${dist}/bin.js`, 0o755);
