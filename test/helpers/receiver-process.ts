// A webhook receiver in its own process, for fault tests: it can be SIGKILLed and restarted on the
// same port. Appends one JSON line per request it answers to $LOG: {t, key, status, body}.
// MODE: ok (200), 500, slow:<ms> (answers 200 after that long); POST /__mode changes it.
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';

let mode = process.env.MODE ?? 'ok';
const log = process.env.LOG!;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/__mode') {
      mode = text;
      res.end('ok');
      return;
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const finish = (status: number) => {
      appendFileSync(log, JSON.stringify({ t: Date.now(), key, status, body }) + '\n');
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{"ok":true}' : '{"error":"boom"}');
    };
    if (mode === '500') return finish(500);
    const slow = /^slow:(\d+)$/.exec(mode);
    if (slow) return void setTimeout(() => finish(200), Number(slow[1]));
    finish(200);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as net.AddressInfo).port}\n`);
});
