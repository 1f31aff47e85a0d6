// Architecture rules (STYLE.md): packages import only downward and only through @signet/<name>;
// every error code is catalogued in docs/errors.md and produced by some test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const packagesDir = join(repo, 'packages');

/** Who may import whom (DESIGN.md table). testkit is dev-only and may never be imported by src. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  merkle: ['core'],
  bundle: ['core'],
  oidc: ['core'],
  verify: ['core', 'merkle', 'bundle'],
  tuf: ['core', 'bundle'],
  oci: ['core', 'bundle'],
  log: ['core', 'merkle'],
  sign: ['core', 'merkle', 'bundle', 'oidc', 'verify'],
  testkit: ['core', 'merkle', 'bundle'],
  // DESIGN.md: the CA ships with its CT log; it embeds the CT personality in-process to obtain SCTs.
  'server-ca': ['core', 'merkle', 'bundle', 'verify', 'oidc', 'log', 'server-ctlog'],
  cli: ['core', 'merkle', 'bundle', 'verify', 'oidc', 'sign', 'tuf', 'oci', 'log', 'server-tlog', 'server-ca', 'server-tsa', 'server-tuf', 'server-oidc-dev'],
};

function files(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist' && name !== 'dist-test') out.push(...files(p, ext));
    } else if (name.endsWith(ext) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('package boundaries', () => {
  const packages = readdirSync(packagesDir).filter((p) => existsSync(join(packagesDir, p, 'package.json')));
  for (const pkg of packages) {
    it(`${pkg}/src imports only what DESIGN.md allows`, () => {
      const allowed = ALLOWED[pkg] ?? (pkg.startsWith('server-') ? ['core', 'merkle', 'bundle', 'verify', 'oidc', 'sign', 'tuf', 'log'] : undefined);
      assert.ok(allowed, `package ${pkg} is not in the architecture table: add it to DESIGN.md and this test`);
      for (const file of files(join(packagesDir, pkg, 'src'), '.ts')) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(IMPORT_RE)) {
          const spec = (m[1] ?? m[2]) as string;
          const rel = file.slice(repo.length);
          if (spec.startsWith('@signet/')) {
            const target = spec.slice('@signet/'.length);
            assert.ok(!target.includes('/'), `${rel} reaches into ${spec}: import only a package's index`);
            assert.ok(allowed.includes(target), `${rel} imports ${spec}, which ${pkg} may not import`);
          } else if (spec.startsWith('.')) {
            assert.ok(!spec.includes('../../') && !/\.\.\/(?:[a-z-]+)\/src/.test(spec), `${rel} reaches outside its package: ${spec}`);
          }
        }
      }
    });
  }
  it('the test-only interop oracles never appear in product code', () => {
    for (const file of files(packagesDir, '.ts').filter((f) => f.includes('/src/'))) {
      assert.doesNotMatch(readFileSync(file, 'utf8'), /from ['"]@sigstore\/(verify|sign)['"]/, file);
    }
  });
});

describe('error catalogue', () => {
  const codes = new Set<string>();
  for (const pkg of readdirSync(packagesDir)) {
    const f = join(packagesDir, pkg, 'src', 'errors.ts');
    if (!existsSync(f)) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)) codes.add(m[1] as string);
  }
  const catalogue = readFileSync(join(repo, 'docs', 'errors.md'), 'utf8');
  const testText = [...files(packagesDir, '.ts').filter((f) => f.includes('/test/')), ...files(join(repo, 'test'), '.ts')]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');

  it('has codes', () => assert.ok(codes.size > 40));
  it('lists every code in docs/errors.md, and no code that does not exist', () => {
    for (const c of codes) assert.ok(catalogue.includes(`\`${c}\``), `${c} missing from docs/errors.md`);
    for (const m of catalogue.matchAll(/`(ERR_[A-Z0-9_]+)`/g)) assert.ok(codes.has(m[1] as string), `docs/errors.md lists unknown code ${m[1]}`);
  });
  it('has a test that mentions every code', () => {
    for (const c of codes) assert.ok(testText.includes(c), `no test produces ${c}`);
  });
});
