// Bench: the console's dashboard at 10,000 monitors in Debian's Chromium. A Vigie runs here with a
// generated config (20 services × 5 components × 100 heartbeat monitors: nothing goes out on the
// network), an owner signs in, and the dashboard is loaded cold several times. Measured:
//   first paint  ms from navigation start until monitor rows are on screen (in the page's clock)
//   all loaded   ms until every page of the list has arrived (the count says "10000 of 10000")
//   heap         the page's JS heap once loaded (Chromium's JSHeapUsedSize, after a GC)
//   rows in DOM  how many rows the windowed list actually renders
//   scroll       mean ms per frame while scrolling the whole list in 40 steps, beside the same
//                scroll over an empty page (what the loaded machine allows)
//
//   node dist/bench/console-dashboard.js            10,000 monitors, 5 loads
//   node dist/bench/console-dashboard.js --quick    2,000 monitors, 2 loads
//   options: --monitors N --loads N
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { adminCaller } from '../test/helpers/admin.js';
import { CHROMIUM } from '../test/helpers/requirements.js';
import { arg, flag, percentile, runMain } from './lib/proc.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'];
const TOKEN = 'console-bench-bootstrap-token';
const PASSWORD = 'console bench password';

function config(dir: string, monitors: number) {
  const perComponent = 100;
  const components = Math.ceil(monitors / perComponent);
  const services = Math.ceil(components / 5);
  let made = 0;
  return configSchema.parse({
    site: { title: 'Bench', port: 0 },
    store: { path: join(dir, 'vigie.db') },
    services: Array.from({ length: services }, (_, s) => ({
      id: `svc${s}`,
      name: `Service ${s}`,
      components: Array.from({ length: 5 }, (_, c) => ({
        id: `c${c}`,
        name: `Component ${c}`,
        monitors: Array.from({ length: perComponent }, (_, m) => ({ name: `beat-${m}`, type: 'heartbeat', token: `tok-${s}-${c}-${m}-bench`, interval: '1h' })).filter(() => made++ < monitors),
      })).filter((c) => c.monitors.length > 0),
    })).filter((s) => s.components.length > 0),
  });
}

runMain(async () => {
  const quick = flag('quick');
  const monitors = Number(arg('monitors') ?? (quick ? 2000 : 10_000));
  const loads = Number(arg('loads') ?? (quick ? 2 : 5));
  const dir = await mkdtemp(join(tmpdir(), 'vigie-console-bench-'));
  const vigie = await createVigie({ config: config(dir, monitors), adminToken: TOKEN });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const base = await vigie.start();
    const api = adminCaller(base, TOKEN);
    const made = await api('POST', '/users', { name: 'bench', role: 'owner', password: PASSWORD });
    if (made.status >= 300) throw new Error(`could not add the bench user: ${made.status} ${made.text}`);
    const listed = await api('GET', '/monitors?limit=1');
    const total = listed.json.total as number;
    if (total !== monitors) throw new Error(`expected ${monitors} monitors, the API lists ${total}`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/admin/`);
    await page.getByLabel('User name').fill('bench');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.mrow').first().waitFor({ timeout: 60_000 });

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const paints: number[] = [];
    const loaded: number[] = [];
    const heaps: number[] = [];
    let rows = 0;
    for (let i = 0; i < loads; i++) {
      await page.goto(`${base}/admin/`, { waitUntil: 'commit' });
      // performance.now() counts from this navigation's start.
      paints.push(await page.waitForFunction(() => (document.querySelector('.mrow') ? performance.now() : 0), undefined, { polling: 'raf', timeout: 60_000 }).then((h) => h.jsonValue() as Promise<number>));
      loaded.push(
        await page
          .waitForFunction((n) => (new RegExp(`\\b${n} of ${n}\\b`).test(document.querySelector('.summary')?.textContent ?? '') ? performance.now() : 0), monitors, { polling: 'raf', timeout: 120_000 })
          .then((h) => h.jsonValue() as Promise<number>),
      );
      await cdp.send('HeapProfiler.collectGarbage');
      const m = await cdp.send('Performance.getMetrics');
      heaps.push(m.metrics.find((x) => x.name === 'JSHeapUsedSize')!.value);
      rows = await page.locator('.vrow').count();
    }
    // Scrolling the whole list: the window follows, frame after frame. The same scroll over an empty
    // page of the same height, in the same browser now, is the floor (the machine's frame rate).
    const frameMs = await page.evaluate(async () => {
        const h = document.documentElement.scrollHeight;
        const steps = 40;
        const t0 = performance.now();
        for (let i = 1; i <= steps; i++) {
          window.scrollTo(0, (h * i) / steps);
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        }
        return (performance.now() - t0) / (steps * 2);
      });
    const lastRow = await page.locator('.mrow .mname a').last().innerText();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const blank = await context.newPage();
    await blank.setContent(`<div style="height:${height}px"></div>`);
    const baselineMs = await blank.evaluate(async () => {
      const h = document.documentElement.scrollHeight;
      const t0 = performance.now();
      for (let i = 1; i <= 40; i++) {
        window.scrollTo(0, (h * i) / 40);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }
      return (performance.now() - t0) / 80;
    });
    await context.close();

    paints.sort((a, b) => a - b);
    loaded.sort((a, b) => a - b);
    const result = {
      bench: 'console-dashboard',
      monitors,
      loads,
      first_paint_ms_median: Math.round(percentile(paints, 0.5)),
      first_paint_ms_max: Math.round(paints[paints.length - 1]!),
      all_loaded_ms_median: Math.round(percentile(loaded, 0.5)),
      js_heap_mb: Math.round((Math.max(...heaps) / 2 ** 20) * 10) / 10,
      rows_in_dom: rows,
      scroll_ms_per_frame: Math.round(frameMs * 10) / 10,
      scroll_ms_per_frame_blank_page: Math.round(baselineMs * 10) / 10,
    };
    console.log(JSON.stringify(result));
    console.log(
      `dashboard at ${monitors} monitors: first rows on screen in ${result.first_paint_ms_median} ms (median of ${loads}, worst ${result.first_paint_ms_max} ms), whole list in ${result.all_loaded_ms_median} ms; ` +
        `JS heap ${result.js_heap_mb} MB; ${rows} rows in the DOM; scrolling ${result.scroll_ms_per_frame} ms per frame (an empty page of the same height: ${result.scroll_ms_per_frame_blank_page} ms; reached "${lastRow}")`,
    );
  } finally {
    await browser.close().catch(() => {});
    await vigie.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});
