import { Command, CommanderError, Option } from 'commander';
import { runVerifyCommand, type VerifyBlobOptions } from './commands/verify-blob.js';
import { inspectBundle } from './commands/bundle-inspect.js';
import { registerTsaCommands } from './commands/tsa.js';
import { registerTufCommands } from './commands/tuf.js';
import { registerTlogCommands } from './commands/tlog.js';
import { registerOidcDevCommands } from './commands/oidc-dev.js';
import { registerCaCommands } from './commands/ca.js';
import { VERIFY_FLAGS } from './verify-command-line.js';

/** The Signet release (kept equal to packages/cli/package.json `version`; a test checks it). */
export const VERSION = '0.1.0';

/** Output sinks, injectable for tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function addVerifyFlags(cmd: Command): Command {
  for (const f of VERIFY_FLAGS) {
    const flags = `--${f.name} ${f.value}`;
    if (f.required) cmd.requiredOption(flags, f.description);
    else if (f.repeatable) cmd.addOption(new Option(flags, f.description).argParser(collect));
    else cmd.option(flags, f.description);
  }
  return cmd;
}

/** Builds the `signet` command tree. */
export function buildProgram(io: Io): Command {
  const program = new Command('signet')
    .description('Sign and verify software artifacts, Sigstore-compatible.')
    .version(VERSION, '-V, --version', 'print the Signet version')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showSuggestionAfterError();

  addVerifyFlags(
    program
      .command('verify-blob')
      .description('Verify a Sigstore bundle for an artifact (a file, or sha256:<hex>)')
      .argument('<artifact>', 'file path, or sha256:<hex> for "the artifact with this digest"'),
  ).action(async (input: string, o: VerifyBlobOptions) => {
    await runVerifyCommand('verify-blob', input, o, io);
  });

  const bundle = program.command('bundle').description('Work with Sigstore bundles');
  bundle
    .command('inspect')
    .description('Show who signed a bundle, its log entries and timestamps, and the flags to verify it (nothing is verified)')
    .argument('<bundle>', 'bundle file')
    .option('--json', 'print JSON')
    .action(async (path: string, o: { json?: boolean }) => {
      io.out(await inspectBundle(path, o.json === true));
    });

  const conformance = program.command('conformance').description('Entry points of the sigstore-conformance client protocol');
  addVerifyFlags(
    conformance
      .command('verify-bundle')
      .description('verify-bundle as the conformance suite calls it')
      .argument('<input>', 'artifact path or sha256:<hex>'),
  ).action(async (input: string, o: VerifyBlobOptions) => {
    await runVerifyCommand('conformance verify-bundle', input, o, io);
  });
  // Services. Each area registers its commands from its own module; those modules import their
  // heavy dependencies (fastify, better-sqlite3, tuf-js) inside the actions, so that
  // `signet verify-blob` never loads them.
  const serve = program.command('serve').description('Run a Signet service (each alone, on loopback by default)');
  // registerXCommands(program, serve, io) calls go here, one line per area.
  registerTlogCommands(program, serve, io);
  registerOidcDevCommands(program, serve, io);
  registerCaCommands(program, serve, io);
  registerTsaCommands(program, serve, io);
  registerTufCommands(program, serve, io);
  void serve;
  return program;
}

/**
 * Runs the CLI through commander: builds the whole command tree and parses `argv`. Returns the
 * exit code for commander's own outcomes (0 after help or the version, 2 for a usage error);
 * any other failure is thrown for {@link run} to report.
 */
export async function runProgram(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
}
