// The HTTP/1.1 a check needs, over a socket opened for it alone: the request head, and a response
// parser fed the socket's chunks (status line, headers, then the body framed by chunked transfer
// coding, content-length, or the connection's close, RFC 9112 §6.3). Interim 1xx responses are
// skipped. Anything it cannot read is thrown as an Error whose message says what (the caller turns it
// into a 'protocol' failure: "malformed HTTP response: …").
import type { IncomingHttpHeaders } from 'node:http';

/** Response heads larger than this are refused, as Node's and undici's parsers do (16 KiB). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line or trailer line longer than this is not HTTP. */
const MAX_LINE = 4096;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
/** Headers the request sets itself (the connection is closed after one exchange); a monitor may not send these. */
const REFUSED = new Set(['transfer-encoding', 'keep-alive', 'upgrade', 'te']);
/** Headers a monitor's value replaces ours for (host) or that we always set (connection, content-length). */
const OURS = new Set(['connection', 'content-length']);

/**
 * The request line and headers, ending with the blank line: `host` (the monitor's own if it sets one),
 * the monitor's headers, a user-agent unless it sets one, `connection: close`, and `content-length`
 * when there is a body. Throws on a method, header name or value that cannot be sent as is.
 */
export function requestHead(method: string, path: string, host: string, headers: Record<string, string>, userAgent: string, bodyLength: number | undefined): string {
  if (!TOKEN.test(method)) throw new Error(`invalid method ${JSON.stringify(method)}`);
  if (BAD_VALUE.test(path) || path.includes(' ')) throw new Error('invalid path');
  let lines = '';
  let ownHost = false;
  let ownAgent = false;
  for (const name in headers) {
    const value = String(headers[name]);
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) throw new Error(`invalid header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new Error(`invalid ${lower} header`);
    if (REFUSED.has(lower)) throw new Error(`invalid ${lower} header`);
    if (OURS.has(lower)) continue;
    if (lower === 'host') ownHost = true;
    else if (lower === 'user-agent') ownAgent = true;
    lines += `${name}: ${value}\r\n`;
  }
  return (
    `${method} ${path || '/'} HTTP/1.1\r\n` +
    (ownHost ? '' : `host: ${host}\r\n`) +
    lines +
    (ownAgent ? '' : `user-agent: ${userAgent}\r\n`) +
    'connection: close\r\n' +
    (bodyLength !== undefined ? `content-length: ${bodyLength}\r\n` : '') +
    '\r\n'
  );
}

type State = 'head' | 'length' | 'close' | 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/** Hears the response head: return false to stop there (the body is not wanted). */
export type OnHead = (status: number, headers: IncomingHttpHeaders) => boolean;
export type OnBody = (chunk: Buffer) => void;

/** One response, fed in the order the socket delivers it. */
export class ResponseParser {
  private state: State = 'head';
  /** Head bytes so far (latin1), or the current chunk-size / trailer line. */
  private text = '';
  /** Body bytes left: of the content-length, or of the current chunk. */
  private left = 0;

  constructor(private readonly headRequest: boolean) {}

  /** Feeds one chunk; 'done' once the response is complete (or its head is, when onHead declines the body). */
  push(b: Buffer, onHead: OnHead, onBody: OnBody): 'more' | 'done' {
    let i = 0;
    while (i < b.length && this.state !== 'done') {
      switch (this.state) {
        case 'head': {
          const before = this.text.length;
          this.text += b.toString('latin1', i);
          const end = this.text.indexOf('\r\n\r\n', Math.max(0, before - 3));
          if (end < 0) {
            if (this.text.length > MAX_HEAD_BYTES) throw new Error(`response headers exceed ${MAX_HEAD_BYTES} bytes`);
            checkStart(this.text);
            return 'more';
          }
          // Bytes of this chunk past the head (the head began `before` characters before this chunk's offset i).
          i += end + 4 - before;
          const head = this.text.slice(0, end);
          this.text = '';
          if (end > MAX_HEAD_BYTES) throw new Error(`response headers exceed ${MAX_HEAD_BYTES} bytes`);
          const { status, headers } = parseHead(head);
          if (status < 200 && status !== 101) continue; // 100 Continue, 103 Early Hints: the response follows
          if (!onHead(status, headers)) return this.finish();
          if (this.headRequest || status === 204 || status === 304 || status === 101) return this.finish();
          const te = headers['transfer-encoding'];
          if (te !== undefined) this.state = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(String(te)) ? 'size' : 'close';
          else {
            const cl = headers['content-length'];
            if (cl === undefined) this.state = 'close';
            else {
              const values = (Array.isArray(cl) ? cl : [cl]).flatMap((v: string) => v.split(',').map((x: string) => x.trim()));
              if (!values.every((v) => /^\d+$/.test(v)) || new Set(values).size !== 1) throw new Error(`invalid content-length ${JSON.stringify(String(cl))}`);
              this.left = Number(values[0]);
              if (!Number.isSafeInteger(this.left)) throw new Error(`invalid content-length ${JSON.stringify(String(cl))}`);
              if (this.left === 0) return this.finish();
              this.state = 'length';
            }
          }
          break;
        }
        case 'length': {
          const n = Math.min(this.left, b.length - i);
          onBody(i === 0 && n === b.length ? b : b.subarray(i, i + n));
          i += n;
          this.left -= n;
          if (this.left === 0) return this.finish();
          break;
        }
        case 'close':
          onBody(i === 0 ? b : b.subarray(i));
          return 'more';
        case 'size':
        case 'trailers': {
          const nl = b.indexOf(10, i); // \n
          const upto = nl < 0 ? b.length : nl + 1;
          this.text += b.toString('latin1', i, upto);
          i = upto;
          if (this.text.length > MAX_LINE) throw new Error('chunk line too long');
          if (nl < 0) return 'more';
          const line = this.text.endsWith('\r\n') ? this.text.slice(0, -2) : this.text.slice(0, -1);
          this.text = '';
          if (this.state === 'trailers') {
            if (line === '') return this.finish();
            break;
          }
          const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
          if (!m) throw new Error(`invalid chunk size ${JSON.stringify(line.slice(0, 40))}`);
          this.left = parseInt(m[1]!, 16);
          this.state = this.left === 0 ? 'trailers' : 'data';
          break;
        }
        case 'data': {
          const n = Math.min(this.left, b.length - i);
          onBody(b.subarray(i, i + n));
          i += n;
          this.left -= n;
          if (this.left === 0) {
            this.state = 'data-end';
            this.left = 2; // the CRLF after the chunk's data
          }
          break;
        }
        case 'data-end': {
          const c = b[i]!;
          if ((this.left === 2 && c !== 13 && c !== 10) || (this.left === 1 && c !== 10)) throw new Error('missing CRLF after chunk data');
          i++;
          // A bare \n is tolerated as the whole line end.
          this.left = c === 10 ? 0 : this.left - 1;
          if (this.left === 0) this.state = 'size';
          break;
        }
      }
    }
    return this.state === 'done' ? 'done' : 'more';
  }

  /** The connection's end: 'done' when that completes the response (a body framed by the close), else 'incomplete'. */
  end(): 'done' | 'incomplete' {
    if (this.state === 'close') return this.finish();
    if (this.state === 'head' && this.text.length > 0) checkStart(this.text);
    return this.state === 'done' ? 'done' : 'incomplete';
  }

  private finish(): 'done' {
    this.state = 'done';
    return 'done';
  }
}

/** Fails early on bytes that cannot begin an HTTP/1.x response (an SSH banner, a TLS alert). */
function checkStart(text: string): void {
  const n = Math.min(text.length, 5);
  if (text.slice(0, n) !== 'HTTP/'.slice(0, n)) throw new Error(`expected HTTP/1.x, got ${JSON.stringify(text.slice(0, 24))}`);
}

function parseHead(head: string): { status: number; headers: IncomingHttpHeaders } {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?:[ \t].*)?$/.exec(lines[0]!);
  if (!m) throw new Error(`invalid status line ${JSON.stringify(lines[0]!.slice(0, 40))}`);
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) throw new Error(`invalid header line ${JSON.stringify(line.slice(0, 40))}`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new Error(`invalid header name ${JSON.stringify(name.slice(0, 40))}`);
    const value = line.slice(colon + 1).trim();
    const key = name.toLowerCase();
    const prev = headers[key];
    headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { status: Number(m[1]), headers: headers as IncomingHttpHeaders };
}
