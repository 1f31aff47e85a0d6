import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TLogService } from '../tlog-service.js';
import type { EncodedEntry, EntryApi } from '../write-workers.js';
import { errorAnswer } from './errors.js';

/** The request lines taken here, and the API each creates an entry in. */
const REQUEST_LINES: ReadonlyMap<string, EntryApi> = new Map([
  ['POST /api/v1/log/entries HTTP/1.1', 'v1'],
  ['POST /api/v2/log/entries HTTP/1.1', 'v2'],
]);
const URLS: Record<EntryApi, string> = { v1: '/api/v1/log/entries', v2: '/api/v2/log/entries' };
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
/** A header line (RFC 9110 token, colon, value); control characters are refused apart. */
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*(.*?)[\t ]*$/;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^[0-9]{1,10}$/;
/** Most bytes of a request head, as node:http's default `maxHeaderSize`. */
const MAX_HEAD = 16 * 1024;
/** Most answers one connection may have pending (pipelined requests) before it stops reading. */
const MAX_PENDING = 16;

/** Whether a Content-Type value is `application/json` (parameters allowed). */
function isJsonMediaType(type: string): boolean {
  const semi = type.indexOf(';');
  return (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** What the head of the next request on a connection is. */
type Parsed =
  | { kind: 'incomplete' }
  | { kind: 'other' }
  | { kind: 'create'; api: EntryApi; headLength: number; bodyLength: number; close: boolean };

/**
 * Reads the next request's head from `buf` and accepts only the plain create-entry request:
 * exactly `POST /api/v{1,2}/log/entries HTTP/1.1`, one Host, one `Content-Length` of 1 to
 * `bodyLimit` bytes, one `application/json` Content-Type, well-formed header lines, and no
 * Transfer-Encoding, Expect or Upgrade. Anything else is `other`: node:http parses it.
 */
function parseHead(buf: Buffer, bodyLimit: number): Parsed {
  const end = buf.indexOf(CRLF2);
  if (end < 0 || end > MAX_HEAD) return end < 0 && buf.length < MAX_HEAD + 4 ? { kind: 'incomplete' } : { kind: 'other' };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const api = REQUEST_LINES.get(lines[0]!);
  if (api === undefined) return { kind: 'other' };
  let hosts = 0;
  let lengths = 0;
  let types = 0;
  let length = -1;
  let json = false;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const m = HEADER_LINE.exec(line);
    if (m === null || CONTROL.test(line)) return { kind: 'other' };
    const value = m[2]!;
    switch (m[1]!.toLowerCase()) {
      case 'host':
        hosts++;
        break;
      case 'content-length':
        lengths++;
        length = DIGITS.test(value) ? Number(value) : -1;
        break;
      case 'content-type':
        types++;
        json = isJsonMediaType(value);
        break;
      case 'connection':
        for (const token of value.toLowerCase().split(',')) {
          const t = token.trim();
          if (t === 'close') close = true;
          else if (t === 'upgrade') return { kind: 'other' };
        }
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return { kind: 'other' };
    }
  }
  if (hosts !== 1 || lengths !== 1 || types !== 1 || !json || length < 1 || length > bodyLimit) return { kind: 'other' };
  return { kind: 'create', api, headLength: end + 4, bodyLength: length, close };
}

/** The Date header, made at most once a second. */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** An answer ready to write: its head (latin1) and body. */
interface Encoded {
  head: string;
  body: Buffer;
}

/**
 * One answer: status line and headers (the server's own; a line break in one is a 500) as a
 * string, and the body as it came. Both go out in one writev, so no buffer is made for the
 * answer (Buffer memory counts as external memory, which made V8 run full GCs on this thread).
 */
function encode(status: number, headers: Record<string, string>, body: Buffer, keepAliveSeconds: number, close: boolean): Encoded {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const k in headers) {
    const v = headers[k]!;
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${k} holds a line break`);
    head += `${k}: ${v}\r\n`;
  }
  head += `content-length: ${body.length}\r\ndate: ${httpDate()}\r\n`;
  head += close ? 'connection: close\r\n\r\n' : `connection: keep-alive\r\nkeep-alive: timeout=${keepAliveSeconds}\r\n\r\n`;
  return { head, body };
}

function encodeError(api: EntryApi, err: unknown, keepAliveSeconds: number, close: boolean): Encoded {
  const a = errorAnswer(URLS[api], err);
  return encode(a.status, a.headers, Buffer.from(a.body, 'utf8'), keepAliveSeconds, close);
}

/** Options of {@link takeOverConnections}. */
export interface RawCreatePathOptions {
  service: TLogService;
  bodyLimit: number;
  /** Idle time after which a connection with nothing in flight is closed (node:http's `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
}

/** The connections {@link takeOverConnections} holds, for closing the server. */
export interface RawConnections {
  /** From now on every new request goes to node:http; idle connections close, busy ones after their answers. */
  close(): void;
}

/**
 * `POST /api/v{1,2}/log/entries` read and answered straight on the socket, ahead of node:http:
 * at thousands of requests a second, node:http's per-request objects, events and header
 * handling were about half of the HTTP thread's JavaScript time. Each new connection of
 * `server` starts here; plain create-entry requests (see `parseHead`) are answered in order
 * (pipelining included) with exactly what the fastify route answers (`TLogService.createEntry`,
 * `errorAnswer`). At the first request of any other kind — or once the server is closing — the
 * connection waits until its pending answers are written and is then handed, with the bytes
 * it holds, to node:http's own connection handling for the rest of its life: every other
 * route, every error of framing or media type, and `100-continue`, stay node:http's.
 */
export function takeOverConnections(server: Server, options: RawCreatePathOptions): RawConnections {
  const toHttp = server.listeners('connection') as ((socket: Socket) => void)[];
  if (toHttp.length !== 1) throw new Error(`expected node:http's one connection listener, found ${toHttp.length}`);
  server.removeAllListeners('connection');
  const open = new Set<RawConnection>();
  let closing = false;
  const handOver = (socket: Socket): void => toHttp[0]!.call(server, socket);
  server.on('connection', (socket: Socket) => {
    if (closing) return handOver(socket);
    const c = new RawConnection(socket, options, () => closing, handOver, () => open.delete(c));
    open.add(c);
  });
  return {
    close() {
      closing = true;
      for (const c of open) c.stopReading();
    },
  };
}

interface Pending {
  answer: Encoded | undefined;
  close: boolean;
}

class RawConnection {
  readonly #socket: Socket;
  readonly #o: RawCreatePathOptions;
  readonly #closing: () => boolean;
  readonly #handOver: (socket: Socket) => void;
  readonly #forget: () => void;
  readonly #keepAliveSeconds: number;
  /** Bytes read and not parsed yet. */
  #buf: Buffer | undefined;
  /** Chunks read after `#buf`, joined to it once `#need` bytes are there (a large body is copied once, not per chunk). */
  #more: Buffer[] = [];
  #moreLength = 0;
  /** Bytes the request in `#buf` needs in all, once its head is read (0: look at every chunk). */
  #need = 0;
  /** Answers in request order; the first is written once it is ready. */
  readonly #pending: Pending[] = [];
  /** Set once the connection is to go to node:http (after its pending answers). */
  #handingOver = false;
  /** Set once no further request is read: after a `Connection: close` request, the client's end, or the server's close. */
  #lastRequest = false;
  /** Set once the connection is ending (or gone, or handed over): nothing more is written here. */
  #done = false;
  /** Aborted when the connection goes: an inline create stops waiting (write workers need no signal). */
  readonly #gone: AbortController | undefined;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onEnd = () => this.stopReading();
  readonly #onDrain = () => this.#readOn();
  readonly #onTimeout = () => {
    if (this.#pending.length === 0) this.#socket.destroy();
  };
  readonly #onClose = () => {
    this.#done = true;
    this.#forget();
    this.#gone?.abort();
  };
  readonly #onError = () => undefined; // 'close' follows

  constructor(socket: Socket, o: RawCreatePathOptions, closing: () => boolean, handOver: (socket: Socket) => void, forget: () => void) {
    this.#socket = socket;
    this.#o = o;
    this.#closing = closing;
    this.#handOver = handOver;
    this.#forget = forget;
    this.#keepAliveSeconds = Math.max(1, Math.floor(o.keepAliveTimeoutMs / 1000));
    this.#gone = o.service.writesOnWorkers ? undefined : new AbortController();
    socket.setNoDelay(true);
    socket.setTimeout(o.keepAliveTimeoutMs);
    for (const [event, fn] of this.#listeners()) socket.on(event, fn);
  }

  /** This connection's socket listeners (all removed at the hand-over). */
  #listeners(): [string, (chunk: Buffer) => void][] {
    return [
      ['data', this.#onData],
      ['end', this.#onEnd],
      ['drain', this.#onDrain],
      ['timeout', this.#onTimeout],
      ['close', this.#onClose],
      ['error', this.#onError],
    ];
  }

  /**
   * No further request is read (the client's end, or the server closing): the connection closes
   * once its pending answers are written, an idle one now.
   */
  stopReading(): void {
    this.#lastRequest = true;
    this.#buf = undefined;
    this.#more = [];
    this.#moreLength = 0;
    this.#flush();
  }

  #data(chunk: Buffer): void {
    if (this.#lastRequest) return;
    this.#more.push(chunk);
    this.#moreLength += chunk.length;
    if ((this.#buf?.length ?? 0) + this.#moreLength < this.#need) return;
    this.#join();
    if (!this.#handingOver) this.#parse();
  }

  /** Takes the complete requests in `#buf`, up to `MAX_PENDING` answers pending. */
  #parse(): void {
    while (this.#buf !== undefined && !this.#handingOver && !this.#lastRequest && this.#pending.length < MAX_PENDING) {
      if (this.#closing()) return this.#startHandOver();
      const p = parseHead(this.#buf, this.#o.bodyLimit);
      if (p.kind === 'incomplete') return;
      if (p.kind === 'other') return this.#startHandOver();
      const total = p.headLength + p.bodyLength;
      if (this.#buf.length < total) {
        this.#need = total;
        return;
      }
      this.#need = 0;
      const body = this.#buf.subarray(p.headLength, total);
      this.#buf = this.#buf.length === total ? undefined : this.#buf.subarray(total);
      if (p.close) this.#lastRequest = true;
      const slot: Pending = { answer: undefined, close: p.close };
      this.#pending.push(slot);
      this.#o.service.createEntry(p.api, body, this.#gone?.signal).then(
        (created: EncodedEntry) => {
          try {
            slot.answer = encode(created.status, created.headers, created.body, this.#keepAliveSeconds, slot.close);
          } catch (err) {
            slot.answer = encodeError(p.api, err, this.#keepAliveSeconds, slot.close);
          }
          this.#flush();
        },
        (err: unknown) => {
          slot.answer = encodeError(p.api, err, this.#keepAliveSeconds, slot.close);
          this.#flush();
        },
      );
    }
    if (this.#pending.length >= MAX_PENDING) this.#socket.pause();
  }

  /** Writes the ready answers in order; then ends the connection, hands it over or reads on. */
  #flush(): void {
    if (this.#done) return;
    const s = this.#socket;
    while (this.#pending.length > 0 && this.#pending[0]!.answer !== undefined) {
      const a = this.#pending.shift()!;
      s.cork();
      s.write(a.answer!.head, 'latin1');
      const room = s.write(a.answer!.body);
      s.uncork();
      if (!room) s.pause(); // until 'drain'
      if (a.close) return this.#end();
    }
    if (this.#pending.length > 0) return;
    if (this.#lastRequest) this.#end();
    else if (this.#handingOver) this.#handOverNow();
    else this.#readOn();
  }

  #end(): void {
    this.#done = true;
    this.#pending.length = 0;
    const s = this.#socket;
    s.end(() => s.destroy());
  }

  /** Parses what is buffered and reads on, unless answers or written bytes are piling up. */
  #readOn(): void {
    if (this.#done || this.#handingOver) return;
    this.#parse();
    if (this.#pending.length < MAX_PENDING && !this.#socket.writableNeedDrain && !this.#handingOver && !this.#lastRequest) this.#socket.resume();
  }

  #join(): void {
    if (this.#more.length === 0) return;
    this.#buf = this.#buf === undefined && this.#more.length === 1 ? this.#more[0]! : Buffer.concat(this.#buf === undefined ? this.#more : [this.#buf, ...this.#more]);
    this.#more = [];
    this.#moreLength = 0;
  }

  #startHandOver(): void {
    this.#handingOver = true;
    this.#socket.pause();
    if (this.#pending.length === 0) this.#handOverNow();
  }

  /** node:http takes the socket over, starting with the bytes read and not parsed here. */
  #handOverNow(): void {
    const s = this.#socket;
    this.#done = true;
    this.#forget();
    s.setTimeout(0);
    for (const [event, fn] of this.#listeners()) s.removeListener(event, fn);
    this.#join();
    if (this.#buf !== undefined) s.unshift(this.#buf);
    this.#buf = undefined;
    this.#handOver(s);
    // Paused above: node:http's parser gets the unshifted bytes first, then reads on.
    s.resume();
  }
}
