// Web faults over real sockets: event streams bounded per client network (with and without a trusted
// proxy) and by age, refused with 503 + Retry-After near the descriptor limit while the page still
// answers, and slow-headers clients cut off by the server's own timeouts.
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { request } from 'undici';
import { Pressure } from '../src/web/pressure.js';
import { WebServer } from '../src/web/server.js';
import { buildSnapshot } from '../src/web/snapshot.js';
import { waitFor } from './helpers/wait.js';

const silent = pino({ level: 'silent' });

/** `p`, or a failure saying `what` after `ms` (the timer cleared either way: it must not hold the process). */
async function within(p: Promise<unknown>, ms: number, what: string): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(what)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
const snapshot = () => buildSnapshot({ title: 'T', baseUrl: '', now: Date.now(), services: [], changes: [] });

interface Stream {
  status: number;
  headers: string;
  socket: Socket;
  closed: Promise<void>;
}

/** Opens /events on a raw socket and resolves with the status line and headers (the stream stays open). */
function openStream(base: string, headers: Record<string, string> = {}): Promise<Stream> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let buf = '';
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', reject);
    socket.on('data', (d) => {
      buf += d.toString();
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0 && !(socket as Socket & { answered?: boolean }).answered) {
        (socket as Socket & { answered?: boolean }).answered = true;
        resolve({ status: Number(buf.slice(9, 12)), headers: buf.slice(0, end).toLowerCase(), socket, closed });
      }
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET /events HTTP/1.1\r\nHost: x\r\n${extra}\r\n`);
  });
}

describe('event streams are bounded', () => {
  let web: WebServer;
  let base: string;
  let trust = false;
  const streams: Stream[] = [];
  before(async () => {
    web = new WebServer({ logger: silent, sse: { maxPerNetwork: 8, maxAgeMs: 400, keepAliveMs: 100, trustProxy: () => trust } });
    base = await web.listen('127.0.0.1', 0);
    await web.publish(snapshot());
  });
  after(async () => {
    for (const s of streams) s.socket.destroy();
    await web.close();
  });

  it('per client network: the ninth stream from one /24 is refused with 503 and Retry-After, others still get theirs', async () => {
    for (let i = 0; i < 8; i++) streams.push(await openStream(base));
    assert.ok(streams.every((s) => s.status === 200));
    const refused = await openStream(base);
    streams.push(refused);
    assert.equal(refused.status, 503);
    assert.match(refused.headers, /retry-after: \d+/);
    // X-Forwarded-For is ignored without trust_proxy: the client cannot pick its own network.
    const spoofed = await openStream(base, { 'x-forwarded-for': '198.51.100.7' });
    streams.push(spoofed);
    assert.equal(spoofed.status, 503);
    // Behind a trusted proxy, each client network has its own allowance.
    trust = true;
    for (let n = 0; n < 20; n++) {
      const s = await openStream(base, { 'x-forwarded-for': `203.0.${n}.9` });
      streams.push(s);
      assert.equal(s.status, 200, `network ${n}`);
    }
    const sameNet = [];
    for (let i = 0; i < 9; i++) sameNet.push(await openStream(base, { 'x-forwarded-for': `2001:db8:1::${i + 1}` }));
    streams.push(...sameNet);
    assert.deepEqual(sameNet.map((s) => s.status), [200, 200, 200, 200, 200, 200, 200, 200, 503], 'IPv6 /48 counted as one network');
    // The page still answers.
    assert.equal((await request(`${base}/`)).statusCode, 200);
  });

  it('streams end by themselves after their age, freeing their place', async () => {
    const s = await openStream(base, { 'x-forwarded-for': '192.0.2.1' });
    streams.push(s);
    assert.equal(s.status, 200);
    await within(s.closed, 10_000, 'stream was never closed');
  });
});

describe('near the descriptor limit', () => {
  let open = 100;
  let web: WebServer;
  let base: string;
  before(async () => {
    web = new WebServer({ logger: silent, pressure: new Pressure({ fdLimit: () => 1000, openFds: () => open, fdReserve: 100 }) });
    base = await web.listen('127.0.0.1', 0);
    await web.publish(snapshot());
  });
  after(() => web.close());

  it('refuses new streams first, then all but the prepared page and API, each with 503 + Retry-After', async () => {
    let s = await openStream(base);
    assert.equal(s.status, 200);
    s.socket.destroy();
    open = 950; // 50 left: inside the reserve
    await new Promise((r) => setTimeout(r, 250)); // the measure is cached for 200 ms
    s = await openStream(base);
    assert.equal(s.status, 503);
    assert.match(s.headers, /retry-after: \d+/);
    s.socket.destroy();
    assert.equal((await request(`${base}/`)).statusCode, 200);
    assert.equal((await request(`${base}/healthz`)).statusCode, 200);
    open = 960; // 40 left: only the page
    await new Promise((r) => setTimeout(r, 250));
    const page = await request(`${base}/api/v2/summary.json`);
    assert.equal(page.statusCode, 200);
    await page.body.dump();
    const other = await request(`${base}/healthz`);
    assert.equal(other.statusCode, 503);
    assert.ok(other.headers['retry-after']);
    await other.body.dump();
  });
});

describe('server timeouts', () => {
  let web: WebServer;
  let base: string;
  before(async () => {
    web = new WebServer({ logger: silent, timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 100 } });
    base = await web.listen('127.0.0.1', 0);
    await web.publish(snapshot());
  });
  after(() => web.close());

  it('cuts off a client that sends its headers slowly, and one that never finishes its body', async () => {
    const u = new URL(base);
    const slow = connect(Number(u.port), u.hostname);
    let answer = '';
    slow.on('data', (d) => (answer += d.toString()));
    const closed = new Promise<void>((r) => slow.once('close', () => r()));
    slow.on('error', () => {});
    slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => slow.writable && slow.write('X-Slow: 1\r\n'), 50);
    await within(closed, 15_000, 'the slow-headers client was never cut off');
    clearInterval(drip);
    assert.match(answer, /^HTTP\/1\.1 408/);

    const body = connect(Number(u.port), u.hostname);
    const bodyClosed = new Promise<void>((r) => body.once('close', () => r()));
    body.on('error', () => {});
    body.write('POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const drip2 = setInterval(() => body.writable && body.write(' '), 50);
    await within(bodyClosed, 15_000, 'the slow-body client was never cut off');
    clearInterval(drip2);
    // The page answered throughout.
    await waitFor('page', async () => (await request(`${base}/`)).statusCode === 200);
  });
});
