import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { takeOverConnections, type TLogService } from '@signet/server-tlog';
import { b64, hashedRekord, hashedRekordV2, p256, pemOf, startTestLog } from './helpers.js';

interface Raw { status: number; headers: IncomingHttpHeaders; body: string }

/** One HTTP/1.1 request, on a connection of its own, with exactly these headers (chunked when `chunked`). */
function raw(url: string, method: string, path: string, body: string | undefined, headers: Record<string, string>, chunked = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && !chunked) h['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: u.hostname, port: u.port, method, path, headers: h, agent: false }, (res) => {
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

describe('create-entry raw path: which requests it takes', () => {
  it('takes only plain JSON creates and leaves everything else to node:http', async (t) => {
    const seen: string[] = [];
    const service = {
      writesOnWorkers: true,
      createEntry: async (api: string, body: Uint8Array) => {
        seen.push(`${api} ${Buffer.from(body).toString()}`);
        return { status: 299, headers: { 'x-by': 'raw' }, body: Buffer.from('taken') };
      },
    } as unknown as TLogService;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(599).end('not taken');
    });
    takeOverConnections(server, { service, bodyLimit: 1024, keepAliveTimeoutMs: 5_000 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = JSON.stringify(hashedRekord(p256().privateKey, 'fast'));
    assert.equal((await raw(url, 'POST', '/api/v1/log/entries', body, json)).status, 299);
    assert.equal((await raw(url, 'POST', '/api/v1/log/entries', '{"kind":', { 'content-type': 'Application/JSON; charset=utf-8' })).status, 299);
    assert.equal((await raw(url, 'POST', '/api/v2/log/entries', '{}', json)).status, 299);
    assert.deepEqual(seen, [`v1 ${body}`, 'v1 {"kind":', 'v2 {}']);
    const notTaken: [string, string, string | undefined, Record<string, string>, boolean?][] = [
      ['GET', '/api/v1/log/entries', undefined, {}],
      ['POST', '/api/v1/log/entries?x=1', body, json],
      ['POST', '/api/v1/log/entries/', body, json],
      ['POST', '/api/v1/log/entries/retrieve', body, json],
      ['PUT', '/api/v1/log/entries', body, json],
      ['POST', '/api/v1/log/entries', body, { 'content-type': 'text/plain' }],
      ['POST', '/api/v1/log/entries', body, { 'content-type': 'application/jsonx' }],
      ['POST', '/api/v1/log/entries', body, {}],
      ['POST', '/api/v1/log/entries', '', json],
      ['POST', '/api/v1/log/entries', body, json, true],
      ['POST', '/api/v1/log/entries', 'x'.repeat(1025), json],
      ['POST', '/api/v1/log/entries', body, { ...json, expect: '100-continue' }],
      ['POST', '/api/v1/log/entries', body, { ...json, connection: 'upgrade', upgrade: 'websocket' }],
    ];
    for (const [method, path, b, h, chunked] of notTaken) {
      assert.equal((await raw(url, method, path, b, h, chunked)).status, 599, `${method} ${path} ${JSON.stringify(h)} chunked=${chunked === true}`);
    }
    assert.equal(seen.length, 3);
  });

  it('reads a large body arriving in many pieces, and the request after it', async (t) => {
    const seen: Buffer[] = [];
    const service = {
      writesOnWorkers: true,
      createEntry: async (_api: string, body: Uint8Array) => {
        seen.push(Buffer.from(body));
        return { status: 299, headers: {}, body: Buffer.from('taken') };
      },
    } as unknown as TLogService;
    const server = createServer((_req, res) => res.writeHead(599).end());
    takeOverConnections(server, { service, bodyLimit: 2 * 1024 * 1024, keepAliveTimeoutMs: 5_000 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const big = JSON.stringify({ pad: Array.from({ length: 150_000 }, (_, i) => i % 10).join('') }).repeat(8);
    const bytes = Buffer.from(post('/api/v1/log/entries', big) + post('/api/v2/log/entries', '{"next":1}'));
    const pieces = Array.from({ length: Math.ceil(bytes.length / 50_000) }, (_, i) => bytes.subarray(i * 50_000, i * 50_000 + 50_000));
    const { answers } = await exchange(url, pieces, 2, { pauseMs: 1 });
    assert.deepEqual(answers.map((a) => a.status), [299, 299]);
    assert.equal(seen.length, 2);
    assert.ok(seen[0]!.equals(Buffer.from(big)));
    assert.equal(seen[1]!.toString(), '{"next":1}');
  });

  it('closes a connection idle for the keep-alive time, with or without half a request', async (t) => {
    const service = { writesOnWorkers: true, createEntry: async () => ({ status: 299, headers: {}, body: Buffer.from('') }) } as unknown as TLogService;
    const server = createServer((_req, res) => res.writeHead(599).end());
    takeOverConnections(server, { service, bodyLimit: 1024, keepAliveTimeoutMs: 150 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const started = Date.now();
    const [idle, half] = await Promise.all([exchange(url, [], 0, { untilEnd: true }), exchange(url, ['POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\n'], 0, { untilEnd: true })]);
    assert.deepEqual([idle.answers.length, half.answers.length], [0, 0]);
    assert.ok(Date.now() - started < 5_000);
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

interface Answer { status: number; headers: Map<string, string>; body: string }

/**
 * Writes `parts` on one fresh connection (each part a write of its own, `pauseMs` apart), then
 * reads answers (framed by Content-Length) until `count` arrived and, when `untilEnd`, until
 * the server ends the connection; `ended` tells whether it did.
 */
function exchange(url: string, parts: (string | Buffer)[], count: number, opts: { untilEnd?: boolean; pauseMs?: number; halfClose?: boolean } = {}): Promise<{ answers: Answer[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const answers: Answer[] = [];
    let buf = Buffer.alloc(0);
    let ended = false;
    const done = () => {
      socket.destroy();
      resolve({ answers, ended });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out with ${answers.length} of ${count} answers`));
    }, 10_000);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
        const len = Number(headers.get('content-length') ?? 0);
        if (buf.length < end + 4 + len) break;
        answers.push({ status: Number(lines[0]!.split(' ')[1]), headers, body: buf.toString('utf8', end + 4, end + 4 + len) });
        buf = buf.subarray(end + 4 + len);
      }
      if (answers.length >= count && !opts.untilEnd) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on('end', () => {
      ended = true;
      clearTimeout(timer);
      done();
    });
    socket.on('error', reject);
    socket.once('connect', async () => {
      for (const p of parts) {
        socket.write(p);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
      if (opts.halfClose) socket.end();
    });
  });
}

function post(path: string, body: string, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

describe('create-entry raw path (on the socket, ahead of node:http)', () => {
  it('answers pipelined creates in order, and hands the connection to node:http at the first other request', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const one = JSON.stringify(hashedRekord(privateKey, 'pipelined 1'));
    const two = JSON.stringify(hashedRekordV2(privateKey, 'pipelined 2'));
    const three = JSON.stringify(hashedRekord(privateKey, 'pipelined 3'));
    const four = JSON.stringify(hashedRekord(privateKey, 'pipelined 4'));
    // Pipelined requests run side by side (as on node:http); their answers come back in order.
    const all = post('/api/v1/log/entries', one) + post('/api/v2/log/entries', two) + post('/api/v1/log/entries', three) + 'GET /api/v1/log HTTP/1.1\r\nHost: x\r\n\r\n' + post('/api/v1/log/entries', four);
    const { answers } = await exchange(s.url, [all], 5);
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 200, 201]);
    assert.equal(answers[0]!.headers.get('connection'), 'keep-alive');
    assert.match(answers[0]!.headers.get('date') ?? '', /GMT$/);
    const v1Index = (a: Answer) => (Object.values(JSON.parse(a.body))[0] as { logIndex: number }).logIndex;
    const first = [v1Index(answers[0]!), Number(JSON.parse(answers[1]!.body).logIndex), v1Index(answers[2]!)];
    assert.deepEqual([...first].sort(), [0, 1, 2]);
    // The GET went to node:http once the three answers were out: its tree holds them.
    assert.ok(JSON.parse(answers[3]!.body).treeSize >= 3);
    assert.equal(v1Index(answers[4]!), 3);
    // A duplicate on a raw connection: 409 with the first entry.
    const dup = await exchange(s.url, [post('/api/v1/log/entries', one)], 1);
    assert.equal(dup.answers[0]!.status, 409);
    const entryOf = (a: Answer) => Object.entries(JSON.parse(a.body)).map(([uuid, e]) => [uuid, (e as { body: string }).body, (e as { logIndex: number }).logIndex]);
    assert.deepEqual(entryOf(dup.answers[0]!), entryOf(answers[0]!));
  });

  it('reads a request in pieces, and closes after Connection: close or the client\'s end', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const req = post('/api/v1/log/entries', JSON.stringify(hashedRekord(privateKey, 'pieces')));
    const pieces = Array.from({ length: Math.ceil(req.length / 40) }, (_, i) => req.slice(i * 40, i * 40 + 40));
    const a = await exchange(s.url, pieces, 1, { pauseMs: 2 });
    assert.equal(a.answers[0]!.status, 201);

    const closed = await exchange(s.url, [post('/api/v1/log/entries', JSON.stringify(hashedRekord(privateKey, 'close')), 'Connection: close\r\n') + post('/api/v1/log/entries', '{}')], 1, { untilEnd: true });
    assert.deepEqual(closed.answers.map((x) => x.status), [201]);
    assert.equal(closed.answers[0]!.headers.get('connection'), 'close');
    assert.equal(closed.ended, true);

    const half = await exchange(s.url, [post('/api/v1/log/entries', JSON.stringify(hashedRekord(privateKey, 'half')))], 1, { untilEnd: true, halfClose: true });
    assert.deepEqual(half.answers.map((x) => x.status), [201]);
    assert.equal(half.ended, true);
    assert.equal(s.log.stats().sequenced, 3);
  });

  it('leaves malformed and unusual framing to node:http, and writes nothing for them', async (t) => {
    const s = await startTestLog(t);
    const body = JSON.stringify(hashedRekord(p256().privateKey, 'framing'));
    const len = Buffer.byteLength(body);
    const cases: [string, string, number][] = [
      ['space before colon', `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type : application/json\r\nContent-Length: ${len}\r\n\r\n${body}`, 400],
      ['two lengths', `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\nContent-Length: ${len + 1}\r\n\r\n${body}`, 400],
      ['length and chunked', `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, 400],
      ['bare LF', `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n${body}`, 400],
      ['no host', `POST /api/v1/log/entries HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n${body}`, 400],
      ['HTTP/1.0', `POST /api/v1/log/entries HTTP/1.0\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${len}\r\n\r\n${body}`, 415],
      ['too long', post('/api/v1/log/entries', `{"a":"${'x'.repeat(5 * 1024 * 1024)}"}`), 413],
    ];
    for (const [name, bytes, status] of cases) {
      const { answers } = await exchange(s.url, [bytes], 1);
      assert.equal(answers[0]?.status, status, name);
    }
    const cont = await exchange(s.url, [`POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\nExpect: 100-continue\r\n\r\n`, body], 2, { pauseMs: 50 });
    assert.deepEqual(cont.answers.map((a) => a.status), [100, 201]);
    assert.equal(s.log.stats().sequenced, 1);
  });

  it('lets the server close with idle and busy connections', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const u = new URL(s.url);
    const idle = connect({ host: u.hostname, port: Number(u.port) });
    await new Promise((r) => idle.once('connect', r));
    const idleClosed = new Promise((r) => idle.once('close', r));
    const busy = exchange(s.url, [post('/api/v1/log/entries', JSON.stringify(hashedRekord(privateKey, 'busy')))], 1, { untilEnd: true });
    await new Promise((r) => setTimeout(r, 20));
    await s.close();
    await idleClosed;
    const b = await busy;
    assert.equal(b.ended, true);
    assert.ok(b.answers.length === 0 || b.answers[0]!.status === 201, `busy answer ${b.answers[0]?.status}`);
  });
});
