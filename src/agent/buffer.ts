// The agent's disk buffer: results wait here until the server has acknowledged them, across
// server outages and agent restarts. One file per sealed batch, named by its sequence number and
// size ("b-000000000042-17.json"), written to a temporary name, fsynced and renamed, so a crash
// leaves whole batches only. Bounded in observations: past the bound the oldest batches are
// dropped first, and counted (the count is kept in state.json and reported in heartbeats).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WireObservation } from './protocol.js';

export interface Batch {
  seq: number;
  observations: WireObservation[];
}

interface State {
  /** Random per data directory: the server counts sequence numbers within it. */
  stream: string;
  lastSeq: number;
  dropped: number;
}

const FILE = /^b-(\d{12})-(\d+)\.json$/;

function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class DiskBuffer {
  private state: State;
  /** Batches on disk, oldest first. */
  private index: { seq: number; count: number }[] = [];
  private total = 0;

  constructor(
    private readonly dir: string,
    private readonly maxObservations = 100_000,
  ) {
    mkdirSync(dir, { recursive: true });
    this.state = this.readState();
    for (const name of readdirSync(dir)) {
      const m = FILE.exec(name);
      if (m) this.index.push({ seq: Number(m[1]), count: Number(m[2]) });
      else if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
    }
    this.index.sort((a, b) => a.seq - b.seq);
    this.total = this.index.reduce((n, b) => n + b.count, 0);
    // A crash between a batch's rename and the state's: the files know the last sequence too.
    this.state.lastSeq = Math.max(this.state.lastSeq, this.index.at(-1)?.seq ?? 0);
  }

  get stream(): string {
    return this.state.stream;
  }
  /** Observations waiting to be delivered. */
  get backlog(): number {
    return this.total;
  }
  get batches(): number {
    return this.index.length;
  }
  /** Observations dropped because the buffer was full, since the data directory was made. */
  get dropped(): number {
    return this.state.dropped;
  }

  /** Seals observations into the next batch, on disk before this returns. */
  append(observations: WireObservation[]): number {
    if (observations.length === 0) return this.state.lastSeq;
    const seq = this.state.lastSeq + 1;
    this.state.lastSeq = seq;
    this.saveState();
    writeDurably(this.path(seq, observations.length), JSON.stringify({ seq, observations }));
    this.index.push({ seq, count: observations.length });
    this.total += observations.length;
    while (this.total > this.maxObservations && this.index.length > 1) {
      const old = this.index.shift()!;
      this.total -= old.count;
      this.state.dropped += old.count;
      rmSync(this.path(old.seq, old.count), { force: true });
    }
    if (this.state.dropped > 0) this.saveState();
    return seq;
  }

  /** The oldest batch not yet acknowledged. A file that cannot be read back is dropped and counted, so it cannot block the ones after it. */
  oldest(): Batch | undefined {
    for (let head = this.index[0]; head; head = this.index[0]) {
      try {
        const b = JSON.parse(readFileSync(this.path(head.seq, head.count), 'utf8')) as Batch;
        if (b.seq === head.seq && Array.isArray(b.observations)) return b;
      } catch {
        // unreadable: dropped below
      }
      this.index.shift();
      this.total -= head.count;
      this.state.dropped += head.count;
      rmSync(this.path(head.seq, head.count), { force: true });
      this.saveState();
    }
    return undefined;
  }

  /** The server has the batch (or refused it for good): it leaves the disk. */
  ack(seq: number): void {
    const i = this.index.findIndex((b) => b.seq === seq);
    if (i < 0) return; // dropped for room while it was on its way
    const [b] = this.index.splice(i, 1);
    this.total -= b!.count;
    rmSync(this.path(b!.seq, b!.count), { force: true });
  }

  private path(seq: number, count: number): string {
    return join(this.dir, `b-${String(seq).padStart(12, '0')}-${count}.json`);
  }

  private readState(): State {
    try {
      const s = JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as Partial<State>;
      if (typeof s.stream === 'string' && Number.isInteger(s.lastSeq) && Number.isInteger(s.dropped)) return s as State;
    } catch {
      // first start, or a state file cut short: a new stream, so the server cannot mistake new batches for old ones
    }
    const fresh = { stream: randomBytes(12).toString('base64url'), lastSeq: 0, dropped: 0 };
    this.state = fresh;
    this.saveState();
    return fresh;
  }

  private saveState(): void {
    writeDurably(join(this.dir, 'state.json'), JSON.stringify(this.state));
  }
}
