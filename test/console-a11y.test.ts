// Every console screen in Chromium passes axe-core (no serious or critical violations), on a desktop
// and at 390 px, in English and French, with no page errors and nothing from another origin; a
// viewer sees no editing control anywhere. With VIGIE_CONSOLE_SHOTS=<dir> it also saves screenshots.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM_SKIP } from './helpers/requirements.js';
import { type ConsoleSite, axeViolations, openPage, signIn, startConsoleSite } from './helpers/console.js';

const SCREENS = ['/', '/monitors/new', '/services', '/incidents', '/incidents/new', '/maintenance', '/subscribers', '/notifications', '/vendors', '/agents', '/users', '/tokens', '/audit', '/account'];
const SHOTS = process.env.VIGIE_CONSOLE_SHOTS;

async function settle(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[role="status"].muted'), undefined, { timeout: 20_000 });
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function seed(site: ConsoleSite): Promise<{ incident: string }> {
  const inc = await site.api('POST', '/incidents', { name: 'Checkout errors', body: 'Payments **fail** for some.', impact: 'minor', components: { 'acme/api': 'partial_outage' } });
  assert.equal(inc.status, 201, inc.text);
  await site.api('POST', '/incidents/' + inc.json.id + '/updates', { status: 'identified', body: 'A bad deploy; rolling back.' });
  await site.api('POST', '/maintenances', { name: 'Database upgrade', components: ['acme/web'], scheduled_for: new Date(Date.now() + 86_400_000).toISOString(), scheduled_until: new Date(Date.now() + 90_000_000).toISOString() });
  await site.api('POST', '/tokens', { name: 'deploy-bot', role: 'editor' });
  // More to show: an app-made service, a monitor that fails (nothing listens on port 1), one that works.
  const shop = await site.api('POST', '/services', { id: 'shop', name: 'Shop', components: [{ id: 'cart', name: 'Cart', monitors: [{ name: 'checkout', url: 'http://127.0.0.1:1/checkout' }] }] });
  assert.equal(shop.status, 201, shop.text);
  const search = await site.api('POST', '/monitors', { service: 'shop', component: 'cart', monitor: { name: 'search', url: site.target.url } });
  assert.equal(search.status, 201, search.text);
  return { incident: inc.json.id };
}

test('every console screen passes axe-core at desktop and 390 px, in English and French; screenshots', { timeout: 300_000, skip: CHROMIUM_SKIP }, async () => {
  const site = await startConsoleSite();
  try {
    const { incident } = await seed(site);
    const screens = [...SCREENS, `/incidents/${incident}`, `/monitors/${encodeURIComponent('acme/api/home')}`];
    for (const [width, height, tag] of [[1280, 900, 'desktop'], [390, 844, 'phone']] as const) {
      const w = await openPage(site, { width, height });
      await w.page.goto(`${site.base}/admin/`);
      await w.page.getByRole('heading', { name: 'Sign in to Vigie' }).waitFor();
      assert.deepEqual(await axeViolations(w.page), [], `sign-in (${tag})`);
      await shot(w.page, `sign-in-${tag}`);
      await signIn(w.page, site.base, 'olivia');
      for (const path of screens) {
        await w.page.goto(site.base + '/admin' + path);
        await settle(w.page);
        if (path.startsWith('/monitors/acme')) await w.page.locator('.chart, .empty').first().waitFor({ timeout: 30_000 });
        assert.deepEqual(await axeViolations(w.page), [], `${path} (${tag})`);
        if (tag === 'desktop' || ['/', '/incidents/new'].includes(path) || path.startsWith('/monitors/acme')) await shot(w.page, `${tag}${path.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '') || '-dashboard'}`);
      }
      if (tag === 'phone') {
        // The menu opens from its button and lists the screens.
        await w.page.getByRole('button', { name: 'Menu' }).click();
        await w.page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).waitFor();
        assert.deepEqual(await axeViolations(w.page), [], 'menu open (phone)');
        await shot(w.page, 'phone-menu');
      }
      assert.deepEqual(w.foreign, [], 'nothing asked of another origin');
      assert.deepEqual(w.errors, [], `no page errors (${tag})`);
      await w.context.close();
    }

    // French: every screen in the other language, with its words (spot checks) and no violations.
    const fr = await openPage(site, { locale: 'fr-FR' });
    await fr.page.goto(`${site.base}/admin/`);
    await fr.page.getByRole('heading', { name: 'Se connecter à Vigie' }).waitFor();
    assert.equal(await fr.page.getAttribute('html', 'lang'), 'fr');
    await fr.page.getByLabel('Nom d’utilisateur').fill('olivia');
    await fr.page.getByLabel('Mot de passe').fill((await import('./helpers/console.js')).PASSWORD);
    await fr.page.getByRole('button', { name: 'Se connecter' }).click();
    await fr.page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
    for (const path of screens) {
      await fr.page.goto(site.base + '/admin' + path);
      await settle(fr.page);
      assert.deepEqual(await axeViolations(fr.page), [], `${path} (fr)`);
      const text = await fr.page.locator('body').innerText();
      assert.doesNotMatch(text, /\b(Loading|Sign out|Dashboard|Save|Delete|Search)\b/, `${path} (fr) shows no English control words`);
    }
    await shot(fr.page, 'fr-monitor');
    assert.deepEqual(fr.errors, []);
    await fr.context.close();
  } finally {
    await site.close();
  }
});

test('a viewer sees no editing control on any screen', { timeout: 180_000, skip: CHROMIUM_SKIP }, async () => {
  const site = await startConsoleSite();
  try {
    const { incident } = await seed(site);
    const w = await openPage(site);
    await signIn(w.page, site.base, 'victor');
    assert.match(await w.page.locator('.who').innerText(), /viewer/);
    const nav = await w.page.getByRole('navigation', { name: 'Console' }).innerText();
    for (const hidden of ['Users', 'API tokens', 'Audit log']) assert.doesNotMatch(nav, new RegExp(hidden), `no ${hidden} for a viewer`);
    const screens = ['/', '/services', '/incidents', `/incidents/${incident}`, '/maintenance', '/subscribers', '/notifications', '/vendors', '/agents', `/monitors/${encodeURIComponent('acme/api/home')}`];
    for (const path of screens) {
      await w.page.goto(site.base + '/admin' + path);
      await settle(w.page);
      // Only reading controls: filters, range buttons, navigation, language, sign-out.
      const editing = await w.page.evaluate(() => {
        const main = document.querySelector('main')!;
        const words = /new|add|save|delete|remove|revoke|pause|resume|edit|test|publish|post|resolve|schedule|register|send|rename|create/i;
        return [...main.querySelectorAll('button, a.button, form')]
          .filter((el) => (el.tagName === 'FORM' ? !el.matches('.filters') : words.test((el as HTMLElement).innerText)))
          .map((el) => `${el.tagName} ${(el as HTMLElement).innerText.slice(0, 40)}`);
      });
      assert.deepEqual(editing, [], `${path}: a viewer sees no editing control`);
      assert.deepEqual(await axeViolations(w.page), [], `${path} (viewer)`);
    }
    await shot(w.page, 'viewer-monitor');
    // The server refuses anyway: a viewer's session cannot write.
    const status = await w.page.evaluate(async () => {
      const s = await (await fetch('/api/admin/session')).json();
      const r = await fetch('/api/admin/incidents', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf_token }, body: JSON.stringify({ name: 'x', body: 'y' }) });
      return r.status;
    });
    assert.equal(status, 403);
    assert.deepEqual(w.errors.filter((e) => !/status of 403/.test(e)), []);
    await w.context.close();
  } finally {
    await site.close();
  }
});
