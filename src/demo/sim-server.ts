// Simulated services on loopback: one HTTP server per scenario service, answering
// GET /{region}/{component} as the fault script says for the simulator's current scenario time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { faultAt, isAffected } from './faults.js';
import { statuspageSummaryAt } from '../replay/vendor-page.js';
import type { FaultMode, Scenario, ScenarioService } from './scenario.js';

export interface Simulator {
  /** Port of each simulated service's server, by service id. */
  ports: Record<string, number>;
  /** The address that probes should check for one component seen from one region. */
  url(service: string, component: string, region: string): string;
  /** Moves the simulator to scenario time t (epoch ms); the player calls it as its clock advances. */
  setTime(t: number): void;
  /** Stops every server at once, cutting requests that are hanging or waiting. */
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** Address to listen on; loopback unless told otherwise. */
  host?: string;
}

/** The URL of one simulated endpoint; shared with the client of a forked simulator. */
export function simulatorUrl(host: string, port: number, component: string, region: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/${encodeURIComponent(region)}/${encodeURIComponent(component)}`;
}

// What the articles' users saw, more or less: a bare "Internal Server Error" page (000), a service
// that is unavailable (003), a page that loads but says something went wrong (001, 002).
const PAGES = {
  error_500: '<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n',
  unavailable_503:
    '<!doctype html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The service is temporarily unavailable. Please try again later.</p></body></html>\n',
  wrong_content:
    '<!doctype html><html><head><title>Oops</title></head><body><h1>Something went wrong.</h1><p>If this issue persists please contact us through our help center.</p></body></html>\n',
} as const;

export async function startSimulator(scenario: Scenario, opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  let now = scenario.start;
  let closing: Promise<void> | null = null;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const counters = new Map<string, number>();
  const servers: Server[] = [];
  const ports: Record<string, number> = {};

  const send = (res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string, mode: FaultMode) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-vigie-sim-mode': mode,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handle = (svc: ScenarioService, req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // drain any body
    const parts = new URL(req.url ?? '/', 'http://sim').pathname.split('/').filter((p) => p !== '');
    const [region, component] = parts.map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    // The vendor's own status page (Statuspage v2), for services the scenario quotes the vendor about.
    if (parts.join('/') === 'api/v2/summary.json' && scenario.vendor.some((v) => v.service === svc.id)) {
      send(res, req, 200, 'application/json', JSON.stringify(statuspageSummaryAt(scenario, svc.id, now)), 'ok');
      return;
    }
    if (parts.length !== 2 || !scenario.regions.includes(region!) || !svc.components.some((c) => c.id === component)) {
      send(res, req, 404, 'application/json', JSON.stringify({ error: 'not found', try: `/{${scenario.regions.join('|')}}/{${svc.components.map((c) => c.id).join('|')}}` }), 'ok');
      return;
    }
    const active = faultAt(scenario, { service: svc.id, component: component!, region: region! }, now);
    const key = `${region}/${component}`;
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    const mode: FaultMode = active.mode !== 'ok' && isAffected(active.share, n) ? active.mode : 'ok';
    const ok = () => send(res, req, 200, 'application/json', '{"status":"ok"}', mode);
    switch (mode) {
      case 'ok':
        return ok();
      case 'error_500':
        return send(res, req, 500, 'text/html; charset=utf-8', PAGES.error_500, mode);
      case 'unavailable_503':
        res.setHeader('retry-after', '120');
        return send(res, req, 503, 'text/html; charset=utf-8', PAGES.unavailable_503, mode);
      case 'wrong_content':
        return send(res, req, 200, 'text/html; charset=utf-8', PAGES.wrong_content, mode);
      case 'timeout':
        return; // never answer; close() destroys the socket
      case 'reset':
        req.socket.destroy();
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          ok();
        }, active.delay_ms);
        timers.add(timer);
        return;
      }
    }
  };

  const closeAll = async () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  };

  try {
    for (const svc of scenario.services) {
      const server = createServer((req, res) => handle(svc, req, res));
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      // A hanging request must hang until the client gives up, not until Node's own request timeout.
      server.requestTimeout = 0;
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      ports[svc.id] = (server.address() as AddressInfo).port;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  return {
    ports,
    url(service, component, region) {
      const port = ports[service];
      if (port === undefined) throw new Error(`no simulated service "${service}" in scenario ${scenario.name}`);
      return simulatorUrl(host, port, component, region);
    },
    setTime(t) {
      if (!Number.isFinite(t)) throw new TypeError(`setTime needs a finite epoch-ms time, got ${t}`);
      now = t;
    },
    close() {
      closing ??= (async () => {
        const done = closeAll();
        for (const s of sockets) s.destroy();
        sockets.clear();
        await done;
      })();
      return closing;
    },
  };
}
