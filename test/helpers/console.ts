// The console in Debian's Chromium: a Vigie on 127.0.0.1 with a config service, a loopback HTTP
// target that can be stopped, users made through the admin API (an owner, an editor, a viewer), and
// a browser page that records console errors, CSP reports and any request to another origin.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { type Vigie, createVigie } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { type Call, adminCaller } from './admin.js';
import { CHROMIUM } from './requirements.js';

export const BOOTSTRAP = 'console-tests-bootstrap-token';
export const PASSWORD = 'console tests password 1';
const VENDOR_PAGE = readFileSync(new URL('../../../test/fixtures/vendor/statuspage-operational.json', import.meta.url));
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'];

/** An HTTP server on 127.0.0.1 that answers 200 until stopped, and can start again on the same port. */
export class Target {
  private server: Server | undefined;
  port = 0;
  /** Requests received ("POST /hook"). */
  readonly seen: string[] = [];
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.seen.push(`${req.method} ${req.url}`);
      if (req.url === '/vendor/summary.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(VENDOR_PAGE);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/health`;
  }
}

export interface ConsoleSite {
  dir: string;
  vigie: Vigie;
  base: string;
  api: Call;
  target: Target;
  browser: Browser;
  close(): Promise<void>;
}

export async function startConsoleSite(o: { monitors?: number; extra?: Record<string, unknown> } = {}): Promise<ConsoleSite> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-console-'));
  const target = new Target();
  await target.start();
  const extra = Array.from({ length: o.monitors ?? 0 }, (_, i) => ({ name: `m${i}`, url: `${target.url}?m=${i}` }));
  const config = configSchema.parse({
    site: { title: 'Acme status', port: 0 },
    store: { path: join(dir, 'vigie.db') },
    defaults: { interval: '1s', timeout: '1s', failures_to_down: 1, successes_to_up: 1 },
    detection: { incident_grace: '1s', resolve_hold: '1s' },
    notify: { channels: { ops: { type: 'webhook', url: `http://127.0.0.1:${target.port}/hook` } } },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        vendor: { kind: 'statuspage', url: `http://127.0.0.1:${target.port}/vendor/summary.json`, interval: '1s' },
        components: [
          { id: 'api', name: 'API', monitors: [{ name: 'home', url: target.url }, ...extra] },
          { id: 'web', name: 'Web' },
        ],
      },
    ],
    ...o.extra,
  });
  let vigie: Vigie | undefined;
  let browser: Browser | undefined;
  try {
    vigie = await createVigie({ config, adminToken: BOOTSTRAP });
    const base = await vigie.start();
    const api = adminCaller(base, BOOTSTRAP);
    for (const [name, role] of [['olivia', 'owner'], ['eddie', 'editor'], ['victor', 'viewer']] as const) {
      const r = await api('POST', '/users', { name, role, password: PASSWORD });
      if (r.status !== 201 && r.status !== 200) throw new Error(`could not add user ${name}: ${r.status} ${r.text}`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    const v = vigie;
    const b = browser;
    return {
      dir,
      vigie: v,
      base,
      api,
      target,
      browser: b,
      async close() {
        await b.close().catch(() => {});
        await v.stop().catch(() => {});
        await target.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close().catch(() => {});
    await vigie?.stop().catch(() => {});
    await target.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  errors: string[];
  /** Requests to any other origin. */
  foreign: string[];
}

export async function openPage(site: ConsoleSite, o: { width?: number; height?: number; locale?: string } = {}): Promise<Watched> {
  const context = await site.browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 900 }, locale: o.locale ?? 'en-US' });
  context.setDefaultTimeout(20_000);
  // Traffic stays on this machine (a provider's page may ask for web fonts): anything else is refused.
  await context.route(/^(?!https?:\/\/(127\.0\.0\.1|\[::1\]|localhost)[:/])/, (r) => r.abort());
  const page = await context.newPage();
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => {
    // Only our pages' messages (an identity provider's page on the way is not ours to judge).
    if (!page.url().startsWith(site.base)) return;
    // The browser logs every 4xx answer as an error; those are the API's answers the console shows
    // (401 while signed out, 400 with a field's problem), not faults of the page.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith(site.base)) foreign.push(r.url());
  });
  page.on('dialog', (d) => void d.accept());
  return { context, page, errors, foreign };
}

export async function signIn(page: Page, base: string, name: string, path = '/admin/'): Promise<void> {
  await page.goto(base + path);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header .who').waitFor();
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Runtime evaluation is not subject to the page's CSP, so axe runs without loosening it.
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  });
  return result.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
}
