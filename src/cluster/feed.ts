// Changes to every node: PostgreSQL LISTEN/NOTIFY on a connection of its own. A node that made a
// change publishes it; every node listening (itself included) hears it within milliseconds and
// re-reads what changed from the store. Notifications are not stored: a node that was cut off
// re-reads everything when its connection comes back (onReconnect), so nothing is missed for good.
import type pgTypes from 'pg';
import { pg } from '../store/pg.js';

export const CHANNEL = 'vigie_changes';

export interface FeedMessage {
  kind: string;
  from: string;
  [key: string]: unknown;
}

export interface FeedOptions {
  url: string;
  nodeId: string;
  onMessage: (m: FeedMessage) => void;
  /** After a lost connection is back: notifications sent meanwhile were missed. */
  onReconnect?: () => void;
  onError?: (err: unknown) => void;
}

export class ChangeFeed {
  private client: pgTypes.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly opts: FeedOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(false);
  }

  private async connect(again: boolean): Promise<void> {
    const c = new (pg().Client)({ connectionString: this.opts.url, connectionTimeoutMillis: 10_000 });
    c.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        this.opts.onMessage(JSON.parse(n.payload) as FeedMessage);
      } catch (err) {
        this.opts.onError?.(err);
      }
    });
    c.on('error', (err) => {
      this.opts.onError?.(err);
      this.reconnectSoon();
    });
    c.on('end', () => this.reconnectSoon());
    await c.connect();
    await c.query(`listen ${CHANNEL}`);
    this.client = c;
    if (again) this.opts.onReconnect?.();
  }

  private reconnectSoon(): void {
    if (this.stopped || this.retry) return;
    this.client = undefined;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect(true).catch((err) => {
        this.opts.onError?.(err);
        this.reconnectSoon();
      });
    }, 1000);
  }

  /** Tells every node (through any connection to the same database). */
  static async publish(db: { query: (text: string, values: unknown[]) => Promise<unknown> }, m: FeedMessage): Promise<void> {
    await db.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify(m)]);
  }

  async publish(m: { kind: string; [key: string]: unknown }): Promise<void> {
    if (!this.client) throw new Error('change feed not connected');
    await ChangeFeed.publish(this.client, { ...m, from: this.opts.nodeId });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}
