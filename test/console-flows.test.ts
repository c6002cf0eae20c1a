// The operator console driven in Chromium as an operator would: sign in with the keyboard only, add
// a monitor against a local HTTP server (testing it first), watch it fail on the dashboard when that
// server stops (live, without reloading), write an incident and find it on the public page, create
// and revoke an API token (the token works, then is refused), and come back after the session ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TOTP, URI } from 'otpauth';
import { request } from 'undici';
import { CHROMIUM_SKIP } from './helpers/requirements.js';
import { waitFor } from './helpers/wait.js';
import { PASSWORD, openPage, signIn, startConsoleSite } from './helpers/console.js';

test('console flows in Chromium: keyboard sign-in, add a monitor, see it fail, incident on the page, token revoked, session expiry', { timeout: 240_000, skip: CHROMIUM_SKIP }, async () => {
  const site = await startConsoleSite();
  try {
    const { page, context, errors, foreign } = await openPage(site);

    // Keyboard only: the name field has focus on arrival, Tab to the password, Enter to submit.
    await page.goto(`${site.base}/admin/`);
    await page.getByRole('heading', { name: 'Sign in to Vigie' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete')), 'username', 'the name field has focus');
    await page.keyboard.type('olivia');
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the password');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor();
    await page.getByLabel('Password').fill('');
    await page.getByLabel('Password').focus();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.match(await page.locator('.who').innerText(), /olivia/);
    // The config monitor is listed with its mark, and comes up.
    const home = page.locator('.mrow', { has: page.getByRole('link', { name: 'home', exact: true }) });
    await home.getByText('from config').waitFor();
    await home.locator('.badge.s-up').waitFor({ timeout: 30_000 });

    // Add a monitor: a wrong URL first (the server's message beside the field), then Test now, then save.
    await page.getByRole('link', { name: 'New monitor' }).click();
    await page.getByRole('heading', { name: 'New monitor' }).waitFor();
    await page.getByLabel('Component').selectOption('acme/api');
    await page.getByLabel('Name', { exact: true }).fill('local-health');
    await page.getByLabel('URL').fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Save' }).click();
    const urlError = page.locator('.field.invalid', { has: page.getByLabel('URL') }).locator('.error-text');
    await urlError.waitFor();
    assert.ok((await urlError.innerText()).length > 0, 'the URL field shows the server\'s message');
    await page.getByLabel('URL').fill(site.target.url);
    await page.getByLabel('Interval').fill('1s');
    await page.getByRole('button', { name: 'Test now' }).click();
    await page.locator('.test-result.ok').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'local-health', level: 1 }).waitFor();
    await page.locator('.facts .badge.s-up').waitFor({ timeout: 30_000 });

    // The dashboard shows it up, then down when the target stops, without a reload.
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    const row = page.locator('.mrow', { has: page.getByRole('link', { name: 'local-health', exact: true }) });
    await row.locator('.badge.s-up').waitFor({ timeout: 30_000 });
    // Arrow keys walk the windowed list.
    await page.getByRole('link', { name: 'home', exact: true }).focus();
    // (focus moves on the next frame, once the row is drawn)
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.activeElement?.textContent === 'local-health');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.activeElement?.textContent === 'home');
    await page.evaluate(() => ((window as any).__stay = 1));
    await site.target.stop();
    await row.locator('.badge.s-down').waitFor({ timeout: 45_000 });
    assert.equal(await page.evaluate(() => (window as any).__stay), 1, 'updated live, not reloaded');
    await page.getByLabel('Status', { exact: true }).selectOption('down');
    assert.ok((await page.locator('.mrow').count()) >= 1);
    assert.equal(await page.locator('.mrow', { has: page.getByRole('link', { name: 'local-health', exact: true }) }).count(), 1, 'the down filter keeps it');
    await site.target.start();

    // An incident written here is on the public page.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('link', { name: 'New incident' }).click();
    await page.getByLabel('Title').fill('Payments failing');
    await page.getByLabel('Start from a template').selectOption('investigating');
    assert.match(await page.getByLabel('Message', { exact: true }).inputValue(), /investigating/);
    await page.getByLabel('API', { exact: false }).first().check();
    await page.getByRole('button', { name: 'Publish incident' }).click();
    await page.getByRole('heading', { name: 'Payments failing', level: 1 }).waitFor();
    await page.getByLabel('New status').selectOption('identified');
    await page.getByLabel('Message', { exact: true }).fill('The card processor is **down**.');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.locator('ol.updates li').filter({ hasText: 'The card processor is down.' }).waitFor();
    const publicPage = await context.newPage();
    await publicPage.goto(`${site.base}/`);
    await publicPage.waitForFunction(() => document.body.innerText.includes('Payments failing'), undefined, { timeout: 30_000 });
    await publicPage.close();

    // Send test through a channel: the receiver gets it, the answer says so.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('button', { name: 'Send test to ops' }).click();
    await page.locator('.test-result.ok').filter({ hasText: 'Test delivered to ops' }).waitFor();
    assert.ok(site.target.seen.includes('POST /hook'), 'the webhook received the test');
    // The vendor page and its last reading.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Vendor pages' }).click();
    await page.getByText('Says all is well').waitFor({ timeout: 30_000 });

    // A token: shown once, works, revoked, refused.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Name').fill('ci-bot');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('[data-secret]').innerText()).trim();
    assert.match(token, /^vigie_/);
    const use = async () => (await request(`${site.base}/api/admin/incidents`, { headers: { authorization: `Bearer ${token}` } })).statusCode;
    assert.equal(await use(), 200);
    await page.getByRole('button', { name: 'Revoke ci-bot' }).click();
    await page.getByRole('cell', { name: /^Revoked/ }).waitFor();
    assert.equal(await use(), 401, 'a revoked token is refused');
    // The audit log has it, found by its action.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('revokeToken');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tbody tr')].map((r) => (r as HTMLElement).innerText);
      return rows.length === 1 && /revokeToken/.test(rows[0]!) && /ci-bot/.test(rows[0]!) && /olivia/.test(rows[0]!);
    });

    // People: add a user, change the role, remove them.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Name', { exact: true }).fill('nadia');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('.field.invalid', { has: page.getByLabel('Password', { exact: true }) }).locator('.error-text').waitFor();
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('cell', { name: 'nadia', exact: true }).waitFor();
    await page.getByLabel('Role of nadia').selectOption('editor');
    await waitFor('nadia to be an editor', async () => (await site.api('GET', '/users')).json.users.find((u: { name: string; role: string }) => u.name === 'nadia')?.role === 'editor');
    await page.getByRole('button', { name: 'Remove nadia' }).click();
    await page.getByRole('cell', { name: 'nadia', exact: true }).waitFor({ state: 'detached' });

    // The session ends (cookie gone): the next screen sends the operator to sign-in, then back there.
    await context.clearCookies();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Maintenance' }).click();
    await page.getByText('Your session ended').waitFor();
    assert.match(page.url(), /\/admin\/sign-in\?next=%2Fmaintenance/);
    await page.getByLabel('User name').fill('olivia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Maintenance', level: 1 }).waitFor();
    assert.match(page.url(), /\/admin\/maintenance$/);

    // Sign out ends the session on the server.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Vigie' }).waitFor();
    await page.goto(`${site.base}/admin/incidents`);
    await page.getByRole('heading', { name: 'Sign in to Vigie' }).waitFor();

    assert.deepEqual(foreign, [], 'nothing asked of another origin');
    assert.deepEqual(errors, [], 'no console errors (CSP included)');
    await context.close();
  } finally {
    await site.close();
  }
});

test('TOTP in the console: enrol from My account with the otpauth URI shown, then sign in with a code', { timeout: 180_000, skip: CHROMIUM_SKIP }, async () => {
  const site = await startConsoleSite();
  try {
    const { page, context, errors } = await openPage(site);
    await signIn(page, site.base, 'eddie');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'My account' }).click();
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const uri = (await page.locator('[data-otpauth]').innerText()).trim();
    assert.match(uri, /^otpauth:\/\/totp\//);
    const totp = URI.parse(uri) as TOTP;
    await page.getByLabel('Code from the app').fill('000000' === totp.generate() ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.field.invalid, .alert').first().waitFor();
    await page.getByLabel('Code from the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('On: signing in asks for a code').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByLabel('User name').fill('eddie');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The code step, focused; a code is accepted once, so the next step's code (one step of drift is allowed).
    await page.getByLabel('Code from your authenticator app').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete')), 'one-time-code');
    await page.keyboard.type(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await site.close();
  }
});
