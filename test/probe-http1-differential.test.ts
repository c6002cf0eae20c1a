// The probe's own response parser (src/probes/http1.ts) against Node's llhttp (node:http's client),
// on generated responses sent by a real server on 127.0.0.1: whatever llhttp reads as a response,
// the probe must read the same way (status, headers, body), whatever the framing and however the
// bytes are split. A difference would be a monitor reported down (or up) where a browser or curl
// sees otherwise.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ResponseParser } from '../src/probes/http1.js';

interface Reading {
  status: number;
  /** Lower-cased name and value, sorted: llhttp keeps order across names, the probe per name. */
  headers: string[];
  body: string;
}

interface Script {
  bytes: Buffer;
  /** Where the server splits its writes. */
  cuts: number[];
}

const queue: Script[] = [];
let port = 0;
const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  const script = queue.shift();
  if (!script) return socket.destroy();
  // Wait for the request head, then write the pieces on separate turns so they arrive apart.
  socket.once('data', async () => {
    let at = 0;
    for (const cut of [...script.cuts, script.bytes.length]) {
      if (cut <= at) continue;
      socket.write(script.bytes.subarray(at, cut));
      at = cut;
      await new Promise((r) => setImmediate(r));
    }
    socket.end();
  });
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

/** What llhttp reads from the script: the response, or null when it refuses it (or it never completes). */
function byLlhttp(script: Script): Promise<Reading | null> {
  queue.push(script);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      req.destroy();
      resolve(null);
    }, 5000);
    const done = (r: Reading | null) => {
      clearTimeout(timer);
      resolve(r);
    };
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => done(null));
      res.on('aborted', () => done(null));
      res.on('end', () => {
        if (!res.complete) return done(null);
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push(`${res.rawHeaders[i]!.toLowerCase()}: ${res.rawHeaders[i + 1]!}`);
        done({ status: res.statusCode!, headers: headers.sort(), body: Buffer.concat(chunks).toString('latin1') });
      });
    });
    req.on('error', () => done(null));
  });
}

/** What the probe's parser reads from the same bytes, split at the same places, then the close. */
function byProbe(script: Script): Reading | null {
  const p = new ResponseParser(false);
  let status = 0;
  let headers: string[] = [];
  let body = '';
  let result: 'more' | 'done' | 'incomplete' = 'more';
  try {
    let at = 0;
    for (const cut of [...script.cuts, script.bytes.length]) {
      if (cut <= at || result === 'done') continue;
      result = p.push(
        script.bytes.subarray(at, cut),
        (s, h) => {
          status = s;
          headers = [];
          for (const [name, v] of Object.entries(h)) for (const one of Array.isArray(v) ? v : [v]) headers.push(`${name}: ${String(one)}`);
          headers.sort();
          return true;
        },
        (b) => (body += b.toString('latin1')),
      );
      at = cut;
    }
    if (result !== 'done') result = p.end();
  } catch {
    return null;
  }
  return result === 'done' ? { status, headers, body } : null;
}

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,14}$/).filter((n) => !/^(content-length|transfer-encoding|connection|keep-alive|upgrade|trailer)$/i.test(n));
const value = fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/);
const bodyText = fc.string({ maxLength: 300, unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) });

const response = fc
  .record({
    status: fc.constantFrom(200, 201, 202, 203, 206, 301, 302, 307, 400, 401, 403, 404, 418, 429, 500, 502, 503, 504),
    reason: fc.constantFrom('OK', 'Whatever', '', 'Service Unavailable'),
    version: fc.constantFrom('1.1', '1.0'),
    headers: fc.array(fc.tuple(token, value), { maxLength: 8 }),
    framing: fc.constantFrom('length', 'chunked', 'close'),
    body: bodyText,
    chunkSizes: fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 6 }),
    extensions: fc.boolean(),
    upperHex: fc.boolean(),
    trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }),
    interim: fc.boolean(),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  })
  .map((r): Script => {
    let head = r.interim ? 'HTTP/1.1 100 Continue\r\n\r\n' : '';
    head += `HTTP/${r.version} ${r.status} ${r.reason}\r\n`;
    for (const [n, v] of r.headers) head += `${n}: ${v}\r\n`;
    let tail = '';
    if (r.framing === 'length') {
      head += `Content-Length: ${r.body.length}\r\n`;
      tail = r.body;
    } else if (r.framing === 'chunked' && r.version === '1.1') {
      head += 'Transfer-Encoding: chunked\r\n';
      let rest = r.body;
      let k = 0;
      while (rest.length > 0) {
        const n = Math.min(rest.length, r.chunkSizes[k++ % r.chunkSizes.length]!);
        const size = r.upperHex ? n.toString(16).toUpperCase() : n.toString(16);
        tail += `${size}${r.extensions ? ';name=val' : ''}\r\n${rest.slice(0, n)}\r\n`;
        rest = rest.slice(n);
      }
      tail += '0\r\n';
      for (const [n, v] of r.trailers) tail += `${n}: ${v}\r\n`;
      tail += '\r\n';
    } else {
      tail = r.body; // framed by the close
    }
    const bytes = Buffer.from(`${head}\r\n${tail}`, 'latin1');
    return { bytes, cuts: [...new Set(r.cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b) };
  });

test('well-formed responses: the probe reads what llhttp reads, however the bytes are split', async () => {
  await fc.assert(
    fc.asyncProperty(response, async (script) => {
      const expected = await byLlhttp(script);
      assert.ok(expected, `llhttp refused a well-formed response: ${JSON.stringify(script.bytes.toString('latin1').slice(0, 200))}`);
      assert.deepEqual(byProbe(script), expected);
    }),
    { numRuns: 300, seed: 20261129 },
  );
});

test('damaged responses: where both read a response, they read the same one', async () => {
  // One byte of a well-formed response replaced, removed or doubled: a lenient probe may read what
  // llhttp refuses, but never a different status or body from the same bytes.
  const damaged = fc.tuple(response, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('replace', 'remove', 'double')).map(([s, at, byte, how]): Script => {
    const i = at % s.bytes.length;
    const b = Buffer.from(s.bytes);
    const bytes =
      how === 'replace' ? ((b[i] = byte), b) : how === 'remove' ? Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]) : Buffer.concat([b.subarray(0, i + 1), b.subarray(i)]);
    return { bytes, cuts: s.cuts.filter((c) => c <= bytes.length) };
  });
  let agreedRefusals = 0;
  let bothRead = 0;
  await fc.assert(
    fc.asyncProperty(damaged, async (script) => {
      const [expected, actual] = [await byLlhttp(script), byProbe(script)];
      if (expected && actual) {
        bothRead++;
        assert.equal(actual.status, expected.status);
        assert.equal(actual.body, expected.body);
      } else if (!expected && !actual) agreedRefusals++;
    }),
    { numRuns: 300, seed: 29112026 },
  );
  // The damage must have exercised both outcomes, or this test checks nothing.
  assert.ok(bothRead > 0 && agreedRefusals > 0, `both read ${bothRead}, both refused ${agreedRefusals}`);
});
