import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { createTestInstance } from '@signet/testkit';
import { createTufServer, type TufServer, type TufServerOptions } from '@signet/server-tuf';

/** A valid trusted_root.json (of a throwaway Sigstore instance). */
export const trustedRootBytes = Buffer.from(JSON.stringify(createTestInstance().trustedRoot, null, 2));

/** A valid signing_config.v0.2.json. */
export const signingConfigBytes = Buffer.from(
  JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [{ url: 'https://ca.example', majorApiVersion: 1, validFor: { start: '2025-01-01T00:00:00Z' }, operator: 'example' }],
    rekorTlogUrls: [{ url: 'https://log.example', majorApiVersion: 1, validFor: { start: '2025-01-01T00:00:00Z' }, operator: 'example' }],
    rekorTlogConfig: { selector: 'ANY' },
  }),
);

/** Log lines the server wrote, parsed. */
export interface CapturedLog {
  lines: { level: number; msg: string; role?: string }[];
}

/** Starts the server on 127.0.0.1 port 0; closes it when the test ends. */
export async function startServer(t: TestContext, options: Omit<TufServerOptions, 'logger'>): Promise<{ url: string; server: TufServer; log: CapturedLog; connections: () => number }> {
  const log: CapturedLog = { lines: [] };
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) log.lines.push(JSON.parse(line) as CapturedLog['lines'][number]);
      done();
    },
  });
  const server = createTufServer({ ...options, logger: { level: 'info', stream } });
  let connections = 0;
  server.app.server.on('connection', () => connections++);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.app.close());
  const addr = server.app.server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('no address');
  return { url: `http://127.0.0.1:${addr.port}`, server, log, connections: () => connections };
}
