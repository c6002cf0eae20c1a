// A Vigie for the public-page tests: a loopback target whose regions fail on demand, a vendor page
// (Statuspage summary.json) that says all is well, two services with a component group and regions.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { type Vigie, createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';

export const ADMIN = 'web-tests-admin-token';

export interface Site {
  vigie: Vigie;
  base: string;
  failing: Set<string>;
  admin(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startSite(dir: string): Promise<Site> {
  const failing = new Set<string>();
  const vendorJson = readFileSync(new URL('../../test/fixtures/vendor/statuspage-operational.json', import.meta.url));
  const target: Server = createServer((req, res) => {
    if (req.url === '/vendor/summary.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(vendorJson);
    const region = (req.url ?? '/').split('/')[1] ?? '';
    if (failing.has(region)) res.writeHead(500).end('Internal Server Error');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  const config = configSchema.parse({
    site: { title: 'Acme <status> & co', port: 0 },
    store: { path: `${dir}/vigie.db` },
    defaults: { interval: '100ms', timeout: '1s', failures_to_down: 1, successes_to_up: 1 },
    detection: { incident_grace: '1s', resolve_hold: '1s' },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        vendor: { kind: 'statuspage', url: `http://127.0.0.1:${port}/vendor/summary.json`, interval: '1s' },
        components: [
          { id: 'api', name: 'API', monitors: ['us', 'eu'].map((r) => ({ name: r, region: r, url: `http://127.0.0.1:${port}/${r}/api` })) },
          { id: 'web', name: 'Web <b>app</b>', group: 'Frontend', monitors: [{ name: 'web', region: 'us', url: `http://127.0.0.1:${port}/web/` }] },
        ],
      },
      { id: 'beta', name: 'Beta', components: [{ id: 'jobs', name: 'Jobs' }] },
    ],
  });
  const vigie = await createVigie({ config, adminToken: ADMIN });
  let base: string;
  try {
    base = await vigie.start();
  } catch (err) {
    await vigie.stop().catch(() => {});
    target.close();
    throw err;
  }
  return {
    vigie,
    base,
    failing,
    async admin(method, path, body) {
      const r = await request(`${base}/api/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await r.body.json()) as any;
      if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${JSON.stringify(json)}`);
      return json;
    },
    async close() {
      await vigie.stop();
      target.closeAllConnections();
      await new Promise<void>((r) => target.close(() => r()));
    },
  };
}
