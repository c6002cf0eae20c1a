// Several processes on the site's port (site.workers; Node 20 has no reusePort, so node:cluster
// shares it): when everyone checks the page at once, one event loop that also runs 10,000 monitors
// cannot answer at nginx's pace. Workers (public-worker.ts) answer the prepared public responses
// with the same code and the same bytes as the main process (fast-path.ts), sent to them after each
// publish over IPC (only the entries whose bytes changed travel); everything else they forward to
// the main process, which then listens on a loopback port of its own. The kernel spreads new
// connections over the workers (SCHED_NONE): the main process never accepts them itself.
import { randomBytes } from 'node:crypto';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Entry } from './fast-path.js';

/** Set by workers on forwarded requests: the key proves it, the peer is the visitor's address. */
export const FORWARD_KEY_HEADER = 'x-vigie-forward-key';
export const FORWARD_PEER_HEADER = 'x-vigie-forward-peer';

export interface WorkerTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  maxRequestsPerSocket: number;
}

export type ToWorker =
  | { type: 'init'; host: string; port: number; upstream: { host: string; port: number; key: string }; timeouts: WorkerTimeouts }
  | { type: 'entries'; seq: number; set: [string, Entry][]; keep: string[] }
  | { type: 'stop' };

type FromWorker = { type: 'ready' } | { type: 'published'; seq: number } | { type: 'error'; message: string };

const WORKER_SCRIPT = fileURLToPath(new URL('./public-worker.js', import.meta.url));
/** Longest a worker may take to start listening, or to stop. */
const START_MS = 30_000;
const STOP_MS = 5_000;

export class PublicWorkers {
  /** Proves a forwarded request came from one of our workers (loopback is not proof enough). */
  readonly key = randomBytes(18).toString('base64url');
  private workers = new Set<Worker>();
  private entries: ReadonlyMap<string, Entry> = new Map();
  private seq = 0;
  private stopping = false;
  private init: Extract<ToWorker, { type: 'init' }> | undefined;
  /** The port the workers share (reported by the first to listen). */
  private port: number | undefined;
  /** The last publish each worker has taken, and who waits for all of them to take one. */
  private acked = new Map<Worker, number>();
  private waiting: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly count: number,
    private readonly log: Logger,
  ) {}

  /** Starts the workers on host:port (0: one free port, the same for all); resolves with the port they share. */
  async start(host: string, port: number, upstream: { host: string; port: number }, timeouts: WorkerTimeouts): Promise<number> {
    this.init = { type: 'init', host, port, upstream: { ...upstream, key: this.key }, timeouts };
    await Promise.all(Array.from({ length: this.count }, () => this.fork()));
    return this.port ?? port;
  }

  /**
   * The prepared entries after a publish; only those whose bytes changed are sent. Resolves once
   * every worker serves them (or after `waitMs`: a stuck worker must not hold publishing up).
   */
  publish(next: ReadonlyMap<string, Entry>, waitMs = 5_000): Promise<void> {
    const prev = this.entries;
    this.entries = next;
    if (this.workers.size === 0) return Promise.resolve();
    const msg = this.diff(prev, next);
    for (const w of this.workers) send(w, msg);
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, waitMs);
      t.unref();
      this.waiting.push({ seq: this.seq, resolve: () => (clearTimeout(t), resolve()) });
      this.settle();
    });
  }

  private settle(): void {
    let low = Infinity;
    for (const w of this.workers) if (!w.isDead()) low = Math.min(low, this.acked.get(w) ?? 0);
    this.waiting = this.waiting.filter((x) => (x.seq <= low ? (x.resolve(), false) : true));
  }

  private diff(prev: ReadonlyMap<string, Entry>, next: ReadonlyMap<string, Entry>, seq = ++this.seq): ToWorker {
    const set: [string, Entry][] = [];
    const keep: string[] = [];
    for (const [k, e] of next) {
      const old = prev.get(k);
      if (old && old.p === e.p && old.status === e.status && sameHeaders(old.headers, e.headers)) keep.push(k);
      else set.push([k, e]);
    }
    return { type: 'entries', seq, set, keep };
  }

  /** Stops every worker: they close their connections and exit (killed past STOP_MS). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const t = setTimeout(() => {
              w.process.kill('SIGKILL');
              resolve();
            }, STOP_MS);
            w.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            if (!send(w, { type: 'stop' })) w.process.kill('SIGTERM');
          }),
      ),
    );
    this.workers.clear();
  }

  private fork(): Promise<void> {
    // The kernel spreads connections over the workers; round-robin would make the busy main process accept
    // each one. Read once, at the first setupPrimary of the process.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: WORKER_SCRIPT, args: [], serialization: 'advanced' });
    const w = cluster.fork();
    this.workers.add(w);
    // A channel that closes under a send (the worker ending) is reported through its exit, not as an error.
    w.on('error', () => {});
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        w.process.kill('SIGKILL');
        reject(new Error(`a public-page worker did not start listening within ${START_MS / 1000} s`));
      }, START_MS);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          send(w, this.init!);
          // A worker started after publishes (a replacement) gets the whole current set.
          if (this.entries.size > 0) send(w, this.diff(new Map(), this.entries, this.seq));
        } else if (m.type === 'published') {
          this.acked.set(w, m.seq);
          this.settle();
        } else if (m.type === 'error') this.log.error({ worker: w.process.pid, message: m.message }, 'public-page worker error');
      });
      w.once('listening', (a: { port: number }) => {
        this.port ??= a.port;
        clearTimeout(t);
        resolve();
      });
      w.once('exit', (code, signal) => {
        clearTimeout(t);
        this.workers.delete(w);
        this.acked.delete(w);
        this.settle();
        if (this.stopping) return;
        reject(new Error(`a public-page worker exited (${signal ?? code}) before listening`));
        this.log.error({ code, signal }, 'a public-page worker exited; starting another');
        setTimeout(() => void this.fork().catch((err) => this.log.error({ err }, 'could not replace a public-page worker')), 1000).unref();
      });
    });
  }
}

/** Sends if the channel is open; a failed send shows up as the worker's exit. */
function send(w: Worker, msg: ToWorker): boolean {
  if (!w.isConnected()) return false;
  w.send(msg, undefined, () => {});
  return true;
}

function sameHeaders(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
