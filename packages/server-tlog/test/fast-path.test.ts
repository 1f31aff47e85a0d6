import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEntryFastPath } from '@signet/server-tlog';
import { b64, hashedRekord, hashedRekordV2, p256, pemOf, startTestLog } from './helpers.js';

interface Raw { status: number; headers: IncomingHttpHeaders; body: string }

/** One HTTP/1.1 request with exactly these headers (chunked when `chunked`). */
function raw(url: string, method: string, path: string, body: string | undefined, headers: Record<string, string>, chunked = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && !chunked) h['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: u.hostname, port: u.port, method, path, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined && chunked) {
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    } else req.end(body);
  });
}

const json = { 'content-type': 'application/json' };

describe('create-entry fast path (node:http ahead of fastify)', () => {
  it('takes only plain JSON creates and leaves everything else to fastify', async (t) => {
    const s = await startTestLog(t, { fastCreatePath: false });
    const fast = createEntryFastPath(s.service, 1024, () => false);
    const server = createServer((req, res) => {
      if (fast(req, res)) return;
      req.resume();
      res.writeHead(599).end('not taken');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = JSON.stringify(hashedRekord(p256().privateKey, 'fast'));
    assert.equal((await raw(url, 'POST', '/api/v1/log/entries', body, json)).status, 201);
    assert.equal((await raw(url, 'POST', '/api/v1/log/entries', '{"kind":', { 'content-type': 'Application/JSON; charset=utf-8' })).status, 400);
    assert.equal((await raw(url, 'POST', '/api/v2/log/entries', JSON.stringify(hashedRekordV2(p256().privateKey, 'fast v2')), json)).status, 201);
    const notTaken: [string, string, string | undefined, Record<string, string>, boolean?][] = [
      ['GET', '/api/v1/log/entries', undefined, {}],
      ['POST', '/api/v1/log/entries?x=1', body, json],
      ['POST', '/api/v1/log/entries/retrieve', body, json],
      ['POST', '/api/v1/log/entries', body, { 'content-type': 'text/plain' }],
      ['POST', '/api/v1/log/entries', body, { 'content-type': 'application/jsonx' }],
      ['POST', '/api/v1/log/entries', body, {}],
      ['POST', '/api/v1/log/entries', '', json],
      ['POST', '/api/v1/log/entries', body, json, true],
      ['POST', '/api/v1/log/entries', 'x'.repeat(1025), json],
    ];
    for (const [method, path, b, h, chunked] of notTaken) assert.equal((await raw(url, method, path, b, h, chunked)).status, 599, `${method} ${path} ${JSON.stringify(h)} chunked=${chunked === true}`);
  });

  it('answers every request class exactly as the fastify route does', async (t) => {
    const on = await startTestLog(t, { bodyLimit: 2048 });
    const off = await startTestLog(t, { bodyLimit: 2048, fastCreatePath: false });
    const { privateKey } = p256();
    const other = p256().privateKey;
    const good = JSON.stringify(hashedRekord(privateKey, 'same'));
    const cases: [string, string, string | undefined, Record<string, string>, boolean?][] = [
      ['new v1', '/api/v1/log/entries', good, json],
      ['duplicate v1', '/api/v1/log/entries', good, { 'content-type': 'application/json; charset=utf-8' }],
      ['bad JSON', '/api/v1/log/entries', '{"kind":', json],
      ['poisoned JSON', '/api/v1/log/entries', '{"__proto__":{"x":1}}', json],
      ['unknown kind', '/api/v1/log/entries', JSON.stringify({ ...hashedRekord(privateKey, 'k'), kind: 'rekord' }), json],
      ['key that did not sign', '/api/v1/log/entries', JSON.stringify(hashedRekord(privateKey, 'x', { keyPem: pemOf(other) })), json],
      ['not base64', '/api/v1/log/entries', JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { signature: { content: '!', publicKey: { content: b64('x') } }, data: {} } }), json],
      ['oversized', '/api/v1/log/entries', JSON.stringify({ ...hashedRekord(privateKey, 'big'), pad: 'a'.repeat(4096) }), json],
      ['media type', '/api/v1/log/entries', good, { 'content-type': 'text/plain' }],
      ['empty', '/api/v1/log/entries', '', json],
      ['chunked', '/api/v1/log/entries', JSON.stringify(hashedRekord(privateKey, 'chunked')), json, true],
      ['v2 bad', '/api/v2/log/entries', JSON.stringify({ a: 1, b: 2 }), json],
      ['v2 new', '/api/v2/log/entries', JSON.stringify(hashedRekordV2(privateKey, 'v2 same')), json],
    ];
    for (const [name, path, body, headers, chunked] of cases) {
      const a = await raw(on.url, 'POST', path, body, headers, chunked);
      const b = await raw(off.url, 'POST', path, body, headers, chunked);
      assert.equal(a.status, b.status, name);
      for (const h of ['content-type', 'x-signet-error-code', 'retry-after']) assert.equal(a.headers[h], b.headers[h], `${name}: ${h}`);
      assert.equal(a.headers.location === undefined, b.headers.location === undefined, `${name}: location`);
      assert.equal(a.headers['content-length'], String(Buffer.byteLength(a.body)), `${name}: content-length`);
      if (a.status >= 400 && a.status !== 409) assert.equal(a.body, b.body, `${name}: error body`);
      else {
        // Two logs: same shape, each its own index, SET and proof.
        const shape = (x: unknown): unknown => (Array.isArray(x) ? 'array' : typeof x === 'object' && x !== null ? Object.fromEntries(Object.entries(x).map(([k, v]) => [/^[0-9a-f]{80}$/.test(k) ? 'uuid' : k, shape(v)])) : typeof x);
        assert.deepEqual(shape(JSON.parse(a.body)), shape(JSON.parse(b.body)), `${name}: body shape`);
      }
    }
  });
});
