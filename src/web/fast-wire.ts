// Prepared public responses answered from the HTTP parser's own callback, as one socket write of
// bytes built once: when everyone checks the page at once, Node's request and response objects
// (IncomingMessage, ServerResponse, their streams, the header object and its validation, the ticks
// after each response) cost about twice the CPU of the rest of a request (the kernel's work, the
// parse). Measured with wrk on summary.json: ~36 µs of CPU per request through ServerResponse,
// ~20 µs here (nginx: ~20 µs), on this 2-core machine.
//
// Node's own parser (llhttp) still parses every byte: the hook sits where the parser hands the
// request head to node:http (kOnHeadersComplete). A plain GET/HEAD over HTTP/1.1 keep-alive, with a
// Host, no body, no Expect, none of the headers we read given twice, on a connection with no response
// pending and no write backlog, for a prepared entry that sets no cookie, is answered here with the
// bytes node:http would have written (same status line, headers in the same order, Date,
// Connection and Keep-Alive; responseFor decides them for both). Everything else goes on to
// node:http unchanged, as if the hook were not there (then Fastify, the worker's forwarding, the
// validated 400/404/405/431 answers). On a Node whose parser does not look as expected the hook is
// not installed and node:http answers everything. VIGIE_WEB_WIRE=0 turns it off.
import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type Entry, encodingFor, resolvePrepared, responseFor, VARY_ENCODING } from './fast-path.js';
import { matchesEtag } from './prepared.js';

/** llhttp's method numbers (llhttp.h: HTTP_GET = 1, HTTP_HEAD = 2), as the parser reports them. */
const GET = 1;
const HEAD = 2;
/** Node keeps an idle keep-alive connection this much longer than it advertises (_http_server.js). */
const KEEP_ALIVE_BUFFER_MS = 1000;
/** Bodies up to this size go out in the same buffer as the head (one copy per variant); larger ones as a second buffer of the same write. */
const INLINE_BODY = 64 * 1024;

/** The bytes of one answer; `date` is where the 29 characters of the Date header go (patched each second). */
interface Wire {
  head: Buffer;
  /** head + body when the body is small; else the body goes as a second buffer. */
  full: Buffer | undefined;
  body: Buffer | undefined;
  date: number;
  sec: number;
  /** The same head with "Connection: close" instead of keep-alive (the connection's last request), made when needed. */
  closing: Buffer | undefined;
  keepAliveAt: number;
}

interface Installation {
  server: Server;
  entries: () => ReadonlyMap<string, Entry>;
  /** Per entry: its variants (encoding × vary × 304), built the first time each is asked for. */
  wires: WeakMap<Entry, (Wire | null | undefined)[]>;
}

interface ConnState {
  at: Installation;
  /**
   * Requests answered here on this connection: at maxRequestsPerSocket the answer says
   * "Connection: close", as node:http's does. node:http counts only those it answers itself, so a
   * connection mixing both may carry up to twice the limit (the limit spreads long-lived connections
   * over the workers; it is not a security bound).
   */
  count: number;
  /** The idle keep-alive timeout this hook set on the socket (cleared when node:http takes a request). */
  idleSet: boolean;
  /** Off for the rest of the connection (its last request was answered). */
  off: boolean;
}

type HeadersComplete = (this: Parser, vMajor: number, vMinor: number, headers: string[] | undefined, method: number, url: string | undefined, statusCode: number, statusMessage: string, upgrade: boolean, keepAlive: boolean) => number;
interface Parser {
  socket: (Socket & { [kConn]?: ConnState; _httpMessage?: unknown }) | null;
  incoming: unknown;
  [k: number]: HeadersComplete | undefined;
}

const kConn = Symbol('vigie.wire.conn');
let original: HeadersComplete | undefined;

/** Installs the hook on a node:http server whose public reads come from `entries`. */
export function installWire(server: Server, entries: () => ReadonlyMap<string, Entry>): void {
  if (process.env.VIGIE_WEB_WIRE === '0') return;
  const at: Installation = { server, entries, wires: new WeakMap() };
  server.on('connection', (socket: Socket & { parser?: Parser; [kConn]?: ConnState }) => {
    const parser = socket.parser;
    const k = (parser?.constructor as { kOnHeadersComplete?: unknown } | undefined)?.kOnHeadersComplete;
    if (!parser || typeof k !== 'number') return;
    const cur = parser[k];
    if (cur !== onHeadersComplete) {
      // Parsers are pooled by node:http: one hooked before keeps the hook (it passes other sockets on).
      if (typeof cur !== 'function' || cur.length !== 9 || (original !== undefined && cur !== original)) return;
      original = cur;
      parser[k] = onHeadersComplete;
    }
    socket[kConn] = { at, count: 0, idleSet: false, off: false };
  });
}

function onHeadersComplete(this: Parser, vMajor: number, vMinor: number, headers: string[] | undefined, method: number, url: string | undefined, statusCode: number, statusMessage: string, upgrade: boolean, keepAlive: boolean): number {
  const socket = this.socket;
  const st = socket?.[kConn];
  if (st !== undefined && socket) {
    if (!st.off && vMajor === 1 && vMinor === 1 && keepAlive && !upgrade && (method === GET || method === HEAD) && headers !== undefined && url !== undefined && answer(st, socket, headers, method, url)) {
      // No request object: the parser's body and completion callbacks see none and do nothing.
      this.incoming = null;
      return 0;
    }
    // node:http takes this request: it runs its own timeouts from here.
    if (st.idleSet) {
      socket.setTimeout(st.at.server.timeout || 0);
      st.idleSet = false;
    }
  }
  return original!.call(this, vMajor, vMinor, headers, method, url, statusCode, statusMessage, upgrade, keepAlive);
}

function answer(st: ConnState, socket: Socket & { _httpMessage?: unknown }, headers: string[], method: number, url: string): boolean {
  // A response still going out (or queued) on this connection, or a client not reading: node:http orders and paces them.
  if (socket._httpMessage || socket.writableNeedDrain || !socket.writable) return false;
  let host = false;
  let acceptEncoding: string | undefined;
  let ifNoneMatch: string | undefined;
  let cookie: string | undefined;
  let acceptLanguage: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    // Only names of these lengths matter; the others are not even lower-cased.
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') host = true;
        break;
      case 6: {
        const n = name.toLowerCase();
        if (n === 'expect') return false;
        if (n === 'cookie') {
          if (cookie !== undefined) return false;
          cookie = headers[i + 1]!;
        }
        break;
      }
      case 13:
        if (name.toLowerCase() === 'if-none-match') {
          if (ifNoneMatch !== undefined) return false;
          ifNoneMatch = headers[i + 1]!;
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') return false;
        break;
      case 15: {
        const n = name.toLowerCase();
        if (n === 'accept-encoding') {
          if (acceptEncoding !== undefined) return false;
          acceptEncoding = headers[i + 1]!;
        } else if (n === 'accept-language') {
          if (acceptLanguage !== undefined) return false;
          acceptLanguage = headers[i + 1]!;
        }
        break;
      }
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') return false;
        break;
    }
  }
  // HTTP/1.1 without Host: node:http answers 400.
  if (!host) return false;
  const at = st.at;
  const r = resolvePrepared(at.entries(), url, cookie, acceptLanguage);
  if (!r || r.setCookie !== undefined) return false;
  const { e } = r;
  const enc = encodingFor(e, acceptEncoding);
  const notModified = e.status === 200 && matchesEtag(ifNoneMatch, e.p);
  const slot = (enc === 'br' ? 0 : enc === 'gzip' ? 4 : 8) + (r.vary === VARY_ENCODING ? 0 : 2) + (notModified ? 1 : 0);
  let list = at.wires.get(e);
  if (!list) at.wires.set(e, (list = []));
  let w = list[slot];
  if (w === undefined) w = list[slot] = build(at.server, e, r.vary, enc, notModified);
  if (w === null) return false;
  stamp(w);
  const max = at.server.maxRequestsPerSocket ?? 0;
  const last = max > 0 && ++st.count >= max;
  const head = last ? closingHead(w) : w.head;
  if (method === HEAD || w.body === undefined) socket.write(head);
  else if (!last && w.full) socket.write(w.full);
  else {
    socket.cork();
    socket.write(head);
    socket.write(w.body);
    socket.uncork();
  }
  if (last) {
    // As node:http: "Connection: close" on the last one; what may follow is node:http's to answer.
    st.off = true;
    return true;
  }
  if (!st.idleSet && at.server.keepAliveTimeout > 0) {
    // Idle timer (reset by every read and write): the keep-alive timeout node:http would set.
    socket.setTimeout(at.server.keepAliveTimeout + KEEP_ALIVE_BUFFER_MS);
    st.idleSet = true;
  }
  return true;
}

const HEADER_VALUE_OK = /^[\t\x20-\x7e\x80-\xff]*$/;
const TOKEN_OK = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;

/** The bytes node:http writes for this answer (OutgoingMessage._storeHeader); null when it would not accept them. */
function build(server: Server, e: Entry, vary: string, enc: 'br' | 'gzip' | 'identity', notModified: boolean): Wire | null {
  const r = responseFor(e, vary, undefined, enc, notModified);
  let head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'unknown'}\r\n`;
  for (const [k, v] of Object.entries(r.headers)) {
    const value = String(v);
    if (!TOKEN_OK.test(k) || !HEADER_VALUE_OK.test(value)) return null;
    const lower = k.toLowerCase();
    // Headers that change how node:http frames or keeps the connection: leave those answers to it.
    if (lower === 'date' || lower === 'connection' || lower === 'transfer-encoding' || lower === 'keep-alive' || lower === 'trailer' || lower === 'expect') return null;
    head += `${k}: ${value}\r\n`;
  }
  head += 'Date: ';
  const date = Buffer.byteLength(head, 'latin1');
  head += `${'x'.repeat(29)}\r\n`;
  const keepAliveAt = Buffer.byteLength(head, 'latin1');
  head += 'Connection: keep-alive\r\n';
  if (server.keepAliveTimeout) {
    const max = server.maxRequestsPerSocket ?? 0;
    head += `Keep-Alive: timeout=${Math.floor(server.keepAliveTimeout / 1000)}${max > 0 ? `, max=${max}` : ''}\r\n`;
  }
  head += '\r\n';
  const h = Buffer.from(head, 'latin1');
  const full = r.body && r.body.length <= INLINE_BODY ? Buffer.concat([h, r.body]) : undefined;
  return { head: full ? full.subarray(0, h.length) : h, full, body: r.body, date, sec: -1, closing: undefined, keepAliveAt };
}

function closingHead(w: Wire): Buffer {
  w.closing ??= Buffer.concat([w.head.subarray(0, w.keepAliveAt), Buffer.from('Connection: close\r\n\r\n', 'latin1')]);
  dateNow.copy(w.closing, w.date);
  return w.closing;
}

/** The Date header's value ("Sun, 29 Nov 2026 15:28:32 GMT", always 29 characters), made once a second. */
let dateSec = -1;
const dateNow = Buffer.alloc(29);

/** Writes the current second into the answer's Date header (a response still being sent keeps the same length). */
function stamp(w: Wire): void {
  const sec = Math.floor(Date.now() / 1000);
  if (sec !== dateSec) {
    dateSec = sec;
    dateNow.write(new Date(sec * 1000).toUTCString(), 0, 'latin1');
  }
  if (w.sec !== sec) {
    dateNow.copy(w.head, w.date);
    w.sec = sec;
  }
}
