// Vigie's verdict on each upstream's component, read from a Vigie server's public Statuspage v2
// /api/v2/components.json every few seconds (standalone mode). One poll per gateway replica, of a
// cached public document: the replicas share Vigie's probes instead of each paying for health checks.
// A failed poll keeps the last reading until it is stale_after old; after that the signal is
// "unknown" and only the gateway's own passive view counts.
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { publicId } from '../core/ids.js';
import { type ComponentStatus, isComponentStatus, severity } from '../core/status.js';
import type { Clock } from '../core/time.js';
import type { VigieSignal } from './health.js';

const componentsDoc = z.object({
  components: z.array(z.looseObject({ id: z.string(), name: z.string(), status: z.string(), group: z.boolean().optional() })),
});

export interface ComponentReading {
  id: string;
  name: string;
  status: ComponentStatus;
}

/** The component a config's `component:` names: Vigie's "service/component" id, or a v2 id as-is. */
export function findComponent(list: readonly ComponentReading[], ref: string): ComponentReading | undefined {
  const pub = publicId('component', ref);
  return list.find((c) => c.id === ref) ?? list.find((c) => c.id === pub);
}

/** Bad when the status is at least `avoid` or the component is under maintenance (announced downtime is downtime). */
export function signalFor(status: ComponentStatus | undefined, avoid: ComponentStatus): VigieSignal {
  if (status === undefined) return 'unknown';
  if (status === 'under_maintenance') return 'bad';
  return severity(status) >= severity(avoid) ? 'bad' : 'ok';
}

export function parseComponents(text: string): ComponentReading[] | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const r = componentsDoc.safeParse(doc);
  if (!r.success) return `not a Statuspage v2 components document (${r.error.issues[0]?.message ?? 'invalid'})`;
  return r.data.components.filter((c) => c.group !== true && isComponentStatus(c.status)).map((c) => ({ id: c.id, name: c.name, status: c.status as ComponentStatus }));
}

export interface VigiePollerOptions {
  url: string;
  pollMs: number;
  staleAfterMs: number;
  clock: Clock;
  log: Logger;
  dispatcher: Dispatcher;
  /** Called after each poll (or when the last reading went stale) with the current list, or null when unknown. */
  onReading: (list: readonly ComponentReading[] | null) => void;
}

export class VigiePoller {
  private timer: NodeJS.Timeout | undefined;
  private last: { at: number; list: ComponentReading[] } | undefined;
  private problem: string | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly endpoint: string;

  constructor(private readonly o: VigiePollerOptions) {
    this.endpoint = `${o.url.replace(/\/+$/, '')}/api/v2/components.json`;
  }

  start(): Promise<void> {
    return this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }

  private async poll(): Promise<void> {
    const problem = await this.fetch();
    if (this.stopped) return;
    if (problem !== this.problem) {
      if (problem) this.o.log.warn({ event: 'gateway.vigie_unreachable', url: this.endpoint, problem }, 'cannot read Vigie’s component status; routing on the gateway’s own view until it comes back');
      else if (this.problem) this.o.log.info({ event: 'gateway.vigie_reachable', url: this.endpoint }, 'reading Vigie’s component status again');
      this.problem = problem;
    }
    const fresh = this.last && this.o.clock.now() - this.last.at <= this.o.staleAfterMs;
    this.o.onReading(fresh ? this.last!.list : null);
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.poll(), this.o.pollMs);
      this.timer.unref();
    }
  }

  private async fetch(): Promise<string | undefined> {
    try {
      const res = await request(this.endpoint, { dispatcher: this.o.dispatcher, signal: this.abort.signal, headersTimeout: this.o.pollMs * 2, bodyTimeout: this.o.pollMs * 2, headers: { accept: 'application/json' } });
      const text = await res.body.text();
      if (res.statusCode !== 200) return `HTTP ${res.statusCode}`;
      const list = parseComponents(text);
      if (typeof list === 'string') return list;
      this.last = { at: this.o.clock.now(), list };
      return undefined;
    } catch (err) {
      return err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
    }
  }
}
