// A public-page worker (started by workers.ts through node:cluster): it shares the site's port with
// its siblings and answers the prepared public responses (fast-path.ts) from the bytes the main
// process sends it after each publish. Anything else (live updates, reports, admin, metrics, health,
// agents; everything before the first publish) is forwarded to the main process, one connection per
// request, with the visitor's address, so limits per network still see who asked.
import cluster from 'node:cluster';
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import { type Entry, servePrepared } from './fast-path.js';
import { installWire } from './fast-wire.js';
import { FORWARD_KEY_HEADER, FORWARD_PEER_HEADER, type ToWorker } from './workers.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);

if (!cluster.isWorker) throw new Error('public-worker.js runs only as a cluster worker started by Vigie');

let entries: ReadonlyMap<string, Entry> = new Map();
let upstream: { host: string; port: number; key: string } | undefined;

function forward(req: IncomingMessage, res: ServerResponse): void {
  if (!upstream) {
    res.writeHead(503, { 'retry-after': '1', 'cache-control': 'no-store', 'content-type': 'application/json' });
    res.end('{"error":"starting","message":"Vigie is starting; try again in a second"}');
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== FORWARD_KEY_HEADER && k !== FORWARD_PEER_HEADER) headers[k] = v;
  headers[FORWARD_KEY_HEADER] = upstream.key;
  headers[FORWARD_PEER_HEADER] = req.socket.remoteAddress ?? '';
  headers.connection = 'close';
  const up = request({ host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent: false }, (r) => {
    const raw: string[] = [];
    for (let i = 0; i < r.rawHeaders.length; i += 2) if (!HOP_BY_HOP.has(r.rawHeaders[i]!.toLowerCase())) raw.push(r.rawHeaders[i]!, r.rawHeaders[i + 1]!);
    res.writeHead(r.statusCode ?? 502, r.statusMessage, raw);
    r.pipe(res);
    r.on('error', () => res.destroy());
  });
  up.on('error', () => {
    if (!res.headersSent) {
      res.writeHead(502, { 'cache-control': 'no-store', 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{"error":"unavailable","message":"Vigie\'s main process did not answer"}');
    } else res.destroy();
  });
  // A visitor gone (a closed live-update stream) frees the connection to the main process too.
  res.on('close', () => up.destroy());
  req.pipe(up);
}

const server = createServer((req, res) => {
  if (servePrepared(entries, req, res)) return;
  forward(req, res);
});
server.on('error', (err) => process.send?.({ type: 'error', message: err.message }));
// Plain reads of prepared entries are answered from the parser's callback (fast-wire.ts); the handler above takes the rest.
installWire(server, () => entries);

process.on('message', (m: ToWorker) => {
  if (m.type === 'init') {
    upstream = m.upstream;
    server.keepAliveTimeout = m.timeouts.keepAliveMs;
    server.headersTimeout = m.timeouts.headersMs;
    server.requestTimeout = m.timeouts.requestMs;
    server.maxRequestsPerSocket = m.timeouts.maxRequestsPerSocket;
    server.listen({ host: m.host, port: m.port, backlog: 4096 });
  } else if (m.type === 'entries') {
    // Each message is the whole set (changed bytes travel, unchanged ones are the same objects here).
    const next = new Map<string, Entry>();
    const prev = entries;
    for (const [k, e] of m.set) next.set(k, e);
    for (const k of m.keep) {
      const e = prev.get(k);
      if (e) next.set(k, e);
    }
    entries = next;
    process.send?.({ type: 'published', seq: m.seq });
  } else if (m.type === 'stop') {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  }
});
// The main process is gone (whatever the way): nothing is left to serve for.
process.on('disconnect', () => process.exit(0));
// Messages that arrive before a listener exists are lost: the main process waits for this one.
process.send?.({ type: 'ready' });
