// The history pages in Chromium at 390 px: nothing wider than the screen, no CSP violation, no serious
// accessibility violation, and the charts there with JavaScript off. Skipped, saying why, without Chromium
// (test/helpers/requirements.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import axe from 'axe-core';
import { chromium } from 'playwright-core';
import { historySite } from './helpers/history-site.js';
import { CHROMIUM, CHROMIUM_SKIP } from './helpers/requirements.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'];

test('history pages at 390 px, without JavaScript, in English and French', { timeout: 120_000, skip: CHROMIUM_SKIP }, async () => {
  const { vigie, base } = await historySite({ options: { path: ':memory:' } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
  try {
    for (const javaScriptEnabled of [false, true]) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) problems.push(`foreign request ${r.url()}`);
      });
      for (const path of ['/services/chatgpt/history?lang=en', '/services/chatgpt/history?lang=fr', '/services/siri/history?lang=fr', '/outages?lang=en']) {
        const res = await page.goto(base + path);
        assert.equal(res?.status(), 200, path);
        const m = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          width: window.innerWidth,
          charts: [...document.querySelectorAll('svg.chart')].map((s) => s.getBoundingClientRect().width),
          // The page's own stylesheet applied (CSP allowed it): cards are laid out as a grid.
          grid: document.querySelector('.windows') ? getComputedStyle(document.querySelector('.windows')!).display : 'grid',
        }));
        assert.ok(m.scroll <= m.width, `${path}: ${m.scroll} px wide in a ${m.width} px screen`);
        assert.ok(m.charts.length > 0 && m.charts.every((w) => w > 300 && w <= 390), `${path}: charts ${m.charts}`);
        assert.equal(m.grid, 'grid', path);
        if (javaScriptEnabled) {
          await page.evaluate(axe.source);
          const bad = await page.evaluate(async () => {
            const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
            return r.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3)}`);
          });
          assert.deepEqual(bad, [], path);
        }
      }
      assert.deepEqual(problems, []);
      await context.close();
    }
  } finally {
    await browser.close();
    await vigie.stop();
  }
});
