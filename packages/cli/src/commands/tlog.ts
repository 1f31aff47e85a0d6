import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SignetError } from '@signet/core';
import { CliError } from '../errors.js';
import type { Io } from '../program.js';

// `@signet/server-tlog` (fastify) and `@signet/log` (better-sqlite3) are imported inside the
// actions, so that other commands never load them.

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new CliError('ERR_CLI_USAGE', `--listen wants HOST:PORT, got ${listen}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function integer(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw new CliError('ERR_CLI_USAGE', `${name} wants an integer ${min}..${max}, got ${v}`);
    return n;
  };
}

interface ServeTlogOptions {
  dataDir: string;
  listen: string;
  origin?: string;
  url?: string;
  batchSize?: number;
  batchDelayMs?: number;
  checkpointIntervalMs?: number;
  maxPending?: number;
}

/** Adds `signet serve tlog` and `signet log fsck`. */
export function registerTlogCommands(program: Command, serve: Command, io: Io): void {
  serve
    .command('tlog')
    .description('Run the transparency log (Rekor v1 and v2 APIs, C2SP tiles); creates keys and DIR/trusted_root.json on first start')
    .requiredOption('--data-dir <dir>', 'log directory (SQLite store, keys, trusted_root.json)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:3003')
    .option('--origin <name>', 'checkpoint origin of a new log (default: the listen HOST:PORT); fixed once created')
    .option('--url <url>', 'public base URL written into trusted_root.json (default: http://<listen address>)')
    .option('--batch-size <n>', 'most entries per durable commit', integer('--batch-size', 1, 65536))
    .option('--batch-delay-ms <ms>', 'longest wait for a batch to fill', integer('--batch-delay-ms', 0, 10_000))
    .option('--checkpoint-interval-ms <ms>', 'least time between checkpoints (default 0: one per durable commit)', integer('--checkpoint-interval-ms', 0, 600_000))
    .option('--max-pending <n>', 'appends waiting before pushback (503)', integer('--max-pending', 1, 10_000_000))
    .action(async (o: ServeTlogOptions) => {
      const { host, port } = parseListen(o.listen);
      const { startTLogServer } = await import('@signet/server-tlog');
      const server = await startTLogServer({
        dataDir: resolve(o.dataDir),
        host,
        port,
        ...(o.origin !== undefined ? { origin: o.origin } : {}),
        ...(o.url !== undefined ? { baseUrl: o.url.replace(/\/+$/, '') } : {}),
        ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
        ...(o.batchDelayMs !== undefined ? { batchDelayMs: o.batchDelayMs } : {}),
        ...(o.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: o.checkpointIntervalMs } : {}),
        ...(o.maxPending !== undefined ? { maxPending: o.maxPending } : {}),
        logger: process.env['SIGNET_LOG_LEVEL'] ? { level: process.env['SIGNET_LOG_LEVEL'], stream: process.stderr } : false,
      });
      io.out(`signet serve tlog: ${server.url} (origin ${server.keys.origin}; trusted root: ${server.trustedRootPath})`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          // Stops listening, then closes the log: pending appends are committed and fsynced.
          void server.close().then(done, (err: unknown) => {
            io.err(`error: closing the log: ${(err as Error)?.message ?? String(err)}`);
            process.exitCode = 1;
            done();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  const log = program.commands.find((c) => c.name() === 'log') ?? program.command('log').description('Work with a transparency log');
  log
    .command('fsck')
    .description('Check a log offline: re-derive every tile and the root from the stored entries, verify every stored checkpoint against the tree')
    .requiredOption('--data-dir <dir>', 'log directory')
    .option('--json', 'print the report as JSON')
    .action(async (o: { dataDir: string; json?: boolean }) => {
      const { fsckLog } = await import('@signet/server-tlog');
      let report;
      try {
        report = await fsckLog(resolve(o.dataDir));
      } catch (cause) {
        if (cause instanceof Error && !('code' in cause && typeof cause.code === 'string' && cause.code.startsWith('ERR_'))) {
          throw new CliError('ERR_CLI_IO', cause.message, { cause });
        }
        throw cause;
      }
      if (o.json) {
        io.out(JSON.stringify({ ...report, rootHash: report.rootHash.toString('hex') }, null, 2));
      } else {
        io.out(`entries ${report.entries}, integrated ${report.integratedSize}, tiles checked ${report.tilesChecked}, checkpoints checked ${report.checkpointsChecked}, root ${report.rootHash.toString('hex')}`);
        for (const p of report.problems) io.out(`${p.code}: ${p.message}`);
        io.out(report.ok ? 'fsck: OK' : `fsck: ${report.problems.length} problem(s)`);
      }
      // main.ts sets the exit code from run(): a failed check is an error, not a side channel.
      if (!report.ok) throw new SignetError('ERR_LOG_CORRUPT', `fsck found ${report.problems.length} problem(s) in ${o.dataDir}`);
    });
}
