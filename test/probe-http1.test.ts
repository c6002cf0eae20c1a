// The probe's HTTP/1.1 request head and response parser (src/probes/http1.ts), fed by hand: every
// framing, fed whole and a byte at a time, and what it refuses. The http probe tests run it against
// real servers.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import { MAX_HEAD_BYTES, ResponseParser, requestHead } from '../src/probes/http1.js';

interface Parsed {
  status?: number;
  headers?: IncomingHttpHeaders;
  body: string;
  result: 'done' | 'more' | 'incomplete';
}

/** Feeds `bytes` in pieces of `step` bytes (all at once by default), then the close if `close`. */
function parse(bytes: string, o: { step?: number; head?: boolean; close?: boolean; want?: boolean } = {}): Parsed {
  const p = new ResponseParser(o.head ?? false);
  const out: Parsed = { body: '', result: 'more' };
  const buf = Buffer.from(bytes, 'latin1');
  const step = o.step ?? buf.length;
  for (let i = 0; i < buf.length && out.result !== 'done'; i += step) {
    out.result = p.push(
      buf.subarray(i, i + step),
      (status, headers) => {
        out.status = status;
        out.headers = headers;
        return o.want ?? true;
      },
      (b) => (out.body += b.toString('latin1')),
    );
  }
  if (o.close && out.result !== 'done') out.result = p.end();
  return out;
}

const both = (bytes: string, o: Parameters<typeof parse>[1] = {}) => [parse(bytes, o), parse(bytes, { ...o, step: 1 })];

test('content-length: the body is exactly that long, whole or a byte at a time', () => {
  for (const r of both('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhelloEXTRA')) {
    assert.equal(r.result, 'done');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello');
    assert.equal(r.headers!['x-a'], '1');
  }
});

test('chunked: chunks, extensions and trailers, across any split', () => {
  const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n';
  for (const r of both(wire)) {
    assert.equal(r.result, 'done');
    assert.equal(r.body, 'Wikipedia in \r\n\r\nchunks.');
  }
});

test('no content-length nor chunked: the body runs to the close', () => {
  for (const r of both('HTTP/1.0 200 OK\r\n\r\nuntil the end', { close: true })) {
    assert.equal(r.result, 'done');
    assert.equal(r.body, 'until the end');
  }
});

test('a body cut short of its length, or of its last chunk, is incomplete at the close', () => {
  assert.equal(parse('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly a bit', { close: true }).result, 'incomplete');
  assert.equal(parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel', { close: true }).result, 'incomplete');
  assert.equal(parse('HTTP/1.1 200 OK\r\ncontent-le', { close: true }).result, 'incomplete');
});

test('no body for HEAD, 204 and 304, whatever the length says', () => {
  assert.deepEqual(parse('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n', { head: true }).result, 'done');
  assert.deepEqual(parse('HTTP/1.1 204 No Content\r\n\r\n').result, 'done');
  assert.deepEqual(parse('HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n').result, 'done');
});

test('interim 1xx responses are skipped; the final one is reported', () => {
  for (const r of both('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok')) {
    assert.equal(r.status, 201);
    assert.equal(r.body, 'ok');
    assert.equal(r.result, 'done');
  }
});

test('an unwanted body is not read: done at the head', () => {
  const r = parse('HTTP/1.1 301 Moved\r\nlocation: /x\r\ncontent-length: 1000\r\n\r\n', { want: false });
  assert.equal(r.result, 'done');
  assert.equal(r.headers!['location'], '/x');
});

test('repeated headers become a list; names are lower-cased, values trimmed', () => {
  const r = parse('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Y:   v  \r\ncontent-length: 0\r\n\r\n');
  assert.deepEqual(r.headers!['set-cookie'], ['a=1', 'b=2']);
  assert.equal(r.headers!['x-y'], 'v');
});

test('what is not HTTP/1.x is refused, early for a foreign banner', () => {
  assert.throws(() => parse('SSH-2.0-OpenSSH_9.6'), /expected HTTP\/1\.x/);
  assert.throws(() => parse('HTTP/1.1 2000 OK\r\n\r\n'), /invalid status line/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'), /invalid header line/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n'), /invalid header line/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n'), /invalid content-length/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'), /invalid content-length/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'), /invalid chunk size/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokX'), /missing CRLF/);
  assert.throws(() => parse(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(MAX_HEAD_BYTES)}`), /exceed/);
});

test('request head: host, headers, user agent, connection close, length of a body', () => {
  assert.equal(
    requestHead('POST', '/api?x=1', 'example.test:8080', { 'x-token': 'abc' }, 'UA/1', 10),
    'POST /api?x=1 HTTP/1.1\r\nhost: example.test:8080\r\nx-token: abc\r\nuser-agent: UA/1\r\nconnection: close\r\ncontent-length: 10\r\n\r\n',
  );
  // The monitor's own Host and User-Agent win; its Connection and Content-Length do not.
  assert.equal(
    requestHead('GET', '/', 'h', { Host: 'virtual.test', 'User-Agent': 'mine', connection: 'keep-alive', 'content-length': '3' }, 'UA/1', undefined),
    'GET / HTTP/1.1\r\nHost: virtual.test\r\nUser-Agent: mine\r\nconnection: close\r\n\r\n',
  );
  assert.throws(() => requestHead('GET', '/', 'h', { 'x-a': 'v\r\nx-injected: 1' }, 'UA', undefined), /invalid x-a header/);
  assert.throws(() => requestHead('GET', '/', 'h', { 'bad name': 'v' }, 'UA', undefined), /invalid header name/);
  assert.throws(() => requestHead('GET', '/', 'h', { 'transfer-encoding': 'chunked' }, 'UA', undefined), /invalid transfer-encoding header/);
  assert.throws(() => requestHead('G T', '/', 'h', {}, 'UA', undefined), /invalid method/);
});
