// The status page in a real browser (Debian's Chromium through playwright-core): it loads from a Vigie
// started here, switches language, follows an incident to its page, receives a live update by SSE
// without reloading, passes axe-core (no serious or critical violations, light and dark), and asks
// nothing of any other origin. Skipped, saying why, when /usr/bin/chromium is missing (a failure
// with VIGIE_TEST_BROWSER=require, as in CI).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import axe from 'axe-core';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { startSite } from './web-helpers.js';
import { CHROMIUM, CHROMIUM_SKIP } from './helpers/requirements.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'];

async function axeCheck(page: Page, what: string): Promise<void> {
  // Runtime evaluation is not subject to the page's CSP, so axe runs without loosening it.
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  });
  const bad = result.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad)}`);
}

test('the page in Chromium: language, incident, live update, accessibility, first party only', { timeout: 120_000, skip: CHROMIUM_SKIP }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-browser-'));
  const site = await startSite(dir);
  let context: BrowserContext | undefined;
  try {
    const inc = await site.admin('POST', '/incidents', { name: 'Checkout errors', body: 'Payments **fail** for some.', impact: 'minor', cause: 'third_party', components: { 'acme/api': 'partial_outage' } });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'en-US',
      timeout: 30_000,
    });
    context.setDefaultTimeout(20_000);
    const page = context.pages()[0] ?? (await context.newPage());
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(site.base)) foreign.push(req.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${site.base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match((await page.textContent('.banner')) ?? '', /Operational|Outage|Degraded/);
    await axeCheck(page, 'status page (light)');

    // Language switch: a link, remembered by cookie.
    await page.getByRole('link', { name: 'Français' }).click();
    await page.waitForURL(/lang=fr/);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await page.goto(`${site.base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr', 'the choice is remembered');
    assert.match((await page.textContent('#incidents-title')) ?? '', /Incidents en cours/);
    await axeCheck(page, 'status page (fr)');

    // Follow the incident to its page.
    await page.getByRole('link', { name: 'Checkout errors' }).first().click();
    await page.waitForURL(new RegExp(`/incidents/${inc.id}$`));
    assert.equal(await page.textContent('h2#incident-title'), 'Checkout errors');
    assert.match((await page.textContent('dl.figures')) ?? '', /Fournisseur tiers/);
    assert.match((await page.textContent('ol.updates')) ?? '', /Payments fail for some/);
    await axeCheck(page, 'incident page');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
    await page.goto(`${site.base}/`);

    // Live: the page is not reloaded (the marker survives), yet it shows the new status.
    await page.waitForFunction(() => true);
    await page.evaluate(() => ((window as any).__stay = 1));
    const stateBefore = await page.getAttribute('html', 'data-state');
    site.failing.add('us').add('eu');
    await page.waitForFunction(() => document.querySelector('li[data-component="acme/api"]')?.getAttribute('data-status') === 'major_outage', undefined, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as any).__stay), 1, 'updated in place, not reloaded');
    assert.notEqual(await page.getAttribute('html', 'data-state'), stateBefore);
    assert.match((await page.textContent('[data-silent-vendor="acme"]')) ?? '', /official status page still says all is well/);

    // Keyboard: the skip link comes first and the uptime details open from the keyboard.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');

    await page.emulateMedia({ colorScheme: 'dark' });
    await axeCheck(page, 'status page (dark)');

    assert.deepEqual(foreign, [], 'no third-party requests');
    assert.deepEqual(errors, [], 'no console errors (CSP included)');
  } finally {
    await context?.close().catch(() => {});
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});
