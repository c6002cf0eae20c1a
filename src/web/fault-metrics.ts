// What the web side refused and why, for /metrics: streams refused by reason, connections answered 503
// at once or lost to a full descriptor table, and the descriptors and heap left.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebServer } from './server.js';

export function registerWebFaultMetrics(registry: Registry, web: WebServer): void {
  const registers = [registry];
  new Gauge({
    name: 'vigie_sse_streams',
    help: 'Open /events streams',
    registers,
    collect() {
      this.set(web.sse.size);
    },
  });
  new Counter({
    name: 'vigie_sse_refused_total',
    help: 'New /events streams refused (503 + Retry-After), by reason: busy (total limit), network (per /24 or /48), pressure (descriptors or heap)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(web.sse.refused)) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: 'vigie_connections_refused_total',
    help: 'Connections refused for lack of file descriptors: answered 503 at once (refused), or never accepted by the kernel (accept_failed)',
    labelNames: ['how'],
    registers,
    collect() {
      this.reset();
      this.inc({ how: 'refused' }, web.refusedConnections);
      this.inc({ how: 'accept_failed' }, web.acceptFailures);
    },
  });
  new Gauge({
    name: 'vigie_fds_left',
    help: 'File descriptors left before the process limit (last measure; NaN when unknown)',
    registers,
    collect() {
      web.pressure.tightness();
      const v = web.pressure.view();
      this.set(Number.isFinite(v.fdsLeft) ? v.fdsLeft : NaN);
    },
  });
}
