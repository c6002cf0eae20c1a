// Real receivers for notification tests: an in-process HTTP recorder, a receiver in its own process
// (to be killed and restarted on the same port), and a real SMTP server (smtp-server). All listen
// on 127.0.0.1 only and are closed by the tests that start them.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait.js';

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface Recorder {
  origin: string;
  port: number;
  requests: Recorded[];
  /** Decides the answer to each request (default 200 {"ok":true}). */
  respond: (r: Recorded) => { status?: number; body?: string; headers?: Record<string, string>; delayMs?: number } | void;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const sockets = new Set<net.Socket>();
  const rec: Recorder = {
    origin: '',
    port: 0,
    requests: [],
    respond: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const r: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
      rec.requests.push(r);
      const a = rec.respond(r) ?? {};
      const answer = () => res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '{"ok":true}');
      if (a.delayMs) setTimeout(answer, a.delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec.port = (server.address() as net.AddressInfo).port;
  rec.origin = `http://127.0.0.1:${rec.port}`;
  return rec;
}

// --- a receiver in its own process ---------------------------------------------------------------

export interface ReceiverLine {
  t: number;
  key: string;
  status: number;
  body: any;
}

export interface ProcessReceiver {
  port: number;
  origin: string;
  /** ok | 500 | slow:<ms> */
  setMode(mode: string): Promise<void>;
  /** Kills the process (SIGKILL): the port refuses connections until restart(). */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Every request it answered so far, across restarts, in arrival order. */
  lines(): ReceiverLine[];
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function spawnReceiver(logFile: string, mode = 'ok', port = 0): Promise<ProcessReceiver> {
  let child: ChildProcess | undefined;
  let current = port;
  let curMode = mode;
  const start = async () => {
    const c = spawn(process.execPath, [join(here, 'receiver-process.js')], { env: { ...process.env, PORT: String(current), LOG: logFile, MODE: curMode }, stdio: ['ignore', 'pipe', 'inherit'] });
    child = c;
    current = await new Promise<number>((resolve, reject) => {
      let out = '';
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      c.once('exit', (code) => reject(new Error(`receiver exited (${code}) before listening: ${out}`)));
    });
  };
  await start();
  const r: ProcessReceiver = {
    get port() {
      return current;
    },
    get origin() {
      return `http://127.0.0.1:${current}`;
    },
    async setMode(m) {
      curMode = m;
      await fetch(`http://127.0.0.1:${current}/__mode`, { method: 'POST', body: m });
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((res) => c.once('exit', res));
      c.kill('SIGKILL');
      await gone;
    },
    async restart() {
      await r.kill();
      await start();
    },
    lines() {
      if (!existsSync(logFile)) return [];
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReceiverLine);
    },
    close: () => r.kill(),
  };
  return r;
}

// --- SMTP ---------------------------------------------------------------------------------------

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  headers: Map<string, string>;
}

export interface SmtpSink {
  port: number;
  mails: Mail[];
  /** Makes the server refuse messages with this reply until reset (undefined accepts). */
  refuse: { code: number; message: string } | undefined;
  close(): Promise<void>;
}

/** Header fields of a raw message (unfolded; first occurrence wins), lowercase names. */
export function mailHeaders(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !out.has(line.slice(0, i).toLowerCase())) out.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

/** The decoded text of the part with this content type (quoted-printable or base64 or plain). */
export function mailPart(raw: string, type: string): string | undefined {
  const re = new RegExp(`Content-Type: ${type.replace('/', '\\/')}[^\\r\\n]*\\r?\\n((?:[^\\r\\n]+\\r?\\n)*)\\r?\\n([\\s\\S]*?)(?:\\r?\\n--|$)`, 'i');
  const m = re.exec(raw);
  if (!m) return undefined;
  const headers = m[1]!;
  const body = m[2]!;
  if (/quoted-printable/i.test(headers))
    return Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  if (/base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

export async function startSmtp(): Promise<SmtpSink> {
  const sink: SmtpSink = { port: 0, mails: [], refuse: undefined, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.refuse) {
          const err = new Error(sink.refuse.message) as Error & { responseCode: number };
          err.responseCode = sink.refuse.code;
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        sink.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          headers: mailHeaders(raw),
        });
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.port = (server.server.address() as net.AddressInfo).port;
  sink.close = () => new Promise<void>((r) => server.close(() => r()));
  return sink;
}

export { waitFor };
