// Plain public reads answered from the parser's callback (src/web/fast-wire.ts) go out byte for byte
// as node:http's ServerResponse writes them (Date aside), and everything else, hostile or unusual,
// gets exactly the answer a server without the hook gives: two WebServers with the same snapshot,
// one with VIGIE_WEB_WIRE=0, the same raw bytes sent to both over real sockets.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebServer } from '../src/web/server.js';
import { buildSnapshot } from '../src/web/snapshot.js';

const silent = pino({ level: 'silent' });

/** How many complete responses `buf` holds (HEAD: none has a body). */
function complete(buf: Buffer, head: boolean): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) return n;
    const text = buf.subarray(at, end).toString('latin1');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    let next = end + 4;
    if (!head && status >= 200 && status !== 204 && status !== 304) {
      const len = /\r\ncontent-length: *(\d+)/i.exec(text);
      if (len) next += Number(len[1]);
      else if (/\r\ntransfer-encoding: *chunked/i.test(text)) {
        const z = buf.indexOf('\r\n0\r\n\r\n', end);
        if (z < 0) return n;
        next = z + 7;
      } else return n; // until the close
    }
    if (next > buf.length) return n;
    n++;
    at = next;
  }
}

/**
 * Sends `raw` on one connection (an array: one part every 30 ms); resolves with everything received
 * once `expect` responses are complete (and nothing more came for a moment), the server closed, or
 * nothing came for 3 s.
 */
function exchange(base: string, raw: string | Buffer | (string | Buffer)[], expect: number, head: boolean): Promise<{ text: string; closed: boolean }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let t: NodeJS.Timeout | undefined;
    const done = (closed: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const arm = () => {
      clearTimeout(t);
      t = setTimeout(() => done(false), complete(Buffer.concat(chunks), head) >= expect ? 50 : 3000);
    };
    s.on('data', (b) => (chunks.push(b), arm()));
    s.on('end', () => done(true));
    s.on('error', (err) => (chunks.length > 0 ? done(true) : reject(err)));
    s.on('connect', async () => {
      for (const part of Array.isArray(raw) ? raw : [raw]) {
        s.write(part);
        if (Array.isArray(raw)) await new Promise((r) => setTimeout(r, 30));
      }
      arm();
    });
  });
}

const norm = (s: string) => s.replace(/\r\nDate: [^\r]+/g, '\r\nDate: -');

describe('public reads on the wire', () => {
  let wire: WebServer;
  let plain: WebServer;
  let wireBase: string;
  let plainBase: string;
  let handled = 0;
  before(async () => {
    const snap = buildSnapshot({ title: 'Wire & co', baseUrl: '', now: Date.now(), services: [], changes: [] });
    const timeouts = { maxRequestsPerSocket: 4 };
    wire = new WebServer({ logger: silent, timeouts });
    process.env.VIGIE_WEB_WIRE = '0';
    try {
      plain = new WebServer({ logger: silent, timeouts });
    } finally {
      delete process.env.VIGIE_WEB_WIRE;
    }
    // Counts what node:http hands to its request handler (servePrepared, then Fastify).
    wire.app.server.prependListener('request', () => void handled++);
    wireBase = await wire.listen('127.0.0.1', 0);
    plainBase = await plain.listen('127.0.0.1', 0);
    await wire.publish(snap);
    await plain.publish(snap);
  });
  after(async () => {
    await wire.close();
    await plain.close();
  });

  async function same(raw: string | Buffer | (string | Buffer)[], what: string, expect = 1): Promise<string> {
    const head = String(Array.isArray(raw) ? raw[0] : raw).startsWith('HEAD ');
    const [a, b] = await Promise.all([exchange(wireBase, raw, expect, head), exchange(plainBase, raw, expect, head)]);
    assert.equal(norm(a.text), norm(b.text), what);
    assert.equal(a.closed, b.closed, `${what}: closed alike`);
    return a.text;
  }

  it('answers plain GET/HEAD of prepared entries with the bytes node:http would write, without reaching the handler', async () => {
    const paths = ['/', '/history', '/api/v2/summary.json', '/api/v2/components.json', '/badge/status.svg', '/favicon.ico', '/incidents/none', '/incidents/%zz', '/history.atom', '/?x=1', '/widget'];
    const before = handled;
    for (const path of paths)
      for (const method of ['GET', 'HEAD'])
        for (const extra of ['', 'Accept-Encoding: gzip\r\n', 'accept-encoding: br, gzip\r\n', 'Accept-Encoding: gzip;q=0, identity\r\n', 'Accept-Language: fr-FR,fr;q=0.9\r\n', 'Cookie: lang=fr\r\n', 'Cookie: a=b; lang=de\r\n']) {
          const text = await same(`${method} ${path} HTTP/1.1\r\nHost: status.example\r\n${extra}\r\n`, `${method} ${path} ${extra.trim()}`);
          assert.match(text, /^HTTP\/1\.1 (200|404) /, `${method} ${path}`);
          assert.match(text, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
          assert.match(text, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72, max=4\r\n\r\n/);
        }
    assert.equal(handled, before, 'none of them reached node:http\'s handler');
    // The rest does: the same server answers through node:http there.
    await same('GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'close');
    assert.equal(handled, before + 1);
  });

  it('answers 304 for a matching If-None-Match, 200 for an old one', async () => {
    const first = await same('GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n', 'summary');
    const etag = /\r\netag: ([^\r]+)/.exec(first)![1]!;
    const nm = await same(`GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nIf-None-Match: ${etag}\r\n\r\n`, '304');
    assert.match(nm, /^HTTP\/1\.1 304 Not Modified\r\n/);
    assert.doesNotMatch(nm, /\r\ncontent-(type|length):/i);
    await same(`HEAD /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nIf-None-Match: W/${etag}, "other"\r\n\r\n`, '304 HEAD weak');
    await same('GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nIf-None-Match: "old"\r\n\r\n', 'old etag');
  });

  it('keeps a connection\'s answers in order, fast or not, pipelined or not, up to maxRequestsPerSocket', async () => {
    const get = (p: string) => `GET ${p} HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n`;
    const post = 'POST /api/v1/reports HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';
    // One after the other, then all in one write (under the limit: node:http counts only the requests it answers).
    const seq = await same([get('/'), post, get('/healthz')], 'sequence', 3);
    assert.equal(seq.match(/HTTP\/1\.1 \d{3} /g)?.length, 3);
    const piped = await same(get('/nothing') + get('/api/v2/summary.json') + get('/api/v2/summary.json'), 'pipelined, slow one first', 3);
    assert.match(piped, /^HTTP\/1\.1 404 /);
    assert.equal(piped.match(/HTTP\/1\.1 \d{3} /g)?.length, 3);
    // The limit (4 here), reached by answers from the wire alone: the last one says the connection closes.
    const last = await same([get('/'), get('/'), get('/'), get('/')], 'the fourth answer announces the close', 4);
    assert.match(last, /Connection: close\r\n\r\n[^]*$/);
  });

  it('gives hostile and unusual requests the same answers as node:http and Fastify', async () => {
    const cases: [string, string | Buffer][] = [
      ['HTTP/1.0', 'GET / HTTP/1.0\r\n\r\n'],
      ['HTTP/1.0 keep-alive', 'GET /api/v2/summary.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'],
      ['Connection: close', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'],
      ['no Host', 'GET /api/v2/summary.json HTTP/1.1\r\n\r\n'],
      ['empty Host', 'GET /api/v2/summary.json HTTP/1.1\r\nHost:\r\n\r\n'],
      ['odd Host', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: ../../etc/passwd:99999\r\n\r\n'],
      ['bad method', 'FOO / HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['DELETE', 'DELETE /api/v2/summary.json HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['OPTIONS', 'OPTIONS /api/v2/summary.json HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['bad path', 'GET %% HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['absolute form', 'GET http://a/api/v2/summary.json HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['dot segments', 'GET /api/v2/../v2/summary.json HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['doubled slash', 'GET //api/v2/summary.json HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['GET with a body', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc'],
      ['GET chunked', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['Expect', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n'],
      ['Expect odd', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nExpect: nonsense\r\n\r\n'],
      ['Upgrade', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
      ['doubled Accept-Encoding', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nAccept-Encoding: br\r\naccept-encoding: gzip\r\n\r\n'],
      ['doubled If-None-Match', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nIf-None-Match: "x"\r\nIf-None-Match: *\r\n\r\n'],
      ['doubled Cookie', 'GET / HTTP/1.1\r\nHost: a\r\nCookie: lang=fr\r\nCookie: lang=de\r\n\r\n'],
      ['?lang= sets a cookie', 'GET /?lang=fr HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['?lang= nonsense', 'GET /?lang=%ff%fe HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['many headers', `GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 60 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}\r\n`],
      ['huge header', `GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
      ['bad header char', Buffer.from('GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nX-Bad: a\x01b\r\n\r\n', 'latin1')],
      ['space in header name', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\nX Bad: b\r\n\r\n'],
      ['bare LF', 'GET /api/v2/summary.json HTTP/1.1\nHost: a\n\n'],
      ['garbage', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03])],
      ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
      ['HTTP/1.1 then junk', 'GET /api/v2/summary.json HTTP/1.1\r\nHost: a\r\n\r\nNOT HTTP\r\n\r\n'],
      ['long URL', `GET /${'x'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`],
      ['unknown path', 'GET /admin HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['POST to a page', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'],
      ['events', 'HEAD /events HTTP/1.1\r\nHost: a\r\n\r\n'],
    ];
    // Two answers: "100 Continue" then the page; the page then a 400 for the junk.
    const two = new Set(['Expect', 'HTTP/1.1 then junk']);
    for (const [what, raw] of cases) await same(raw, what, two.has(what) ? 2 : 1);
  });
});
