// Signing in to the console with OpenID Connect in Chromium, against a real provider (oidc-provider,
// started here on 127.0.0.1): the sign-in screen offers the provider by name, its login and consent
// pages lead back to the dashboard signed in; an address outside the allowed domains comes back to
// the sign-in screen saying why.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM_SKIP } from './helpers/requirements.js';
import { axeViolations, openPage, startConsoleSite } from './helpers/console.js';

const ACCOUNTS: Record<string, Record<string, unknown>> = {
  alice: { sub: 'alice', email: 'alice@example.org', email_verified: true, vigie_roles: ['editor'] },
  carol: { sub: 'carol', email: 'carol@other.net', email_verified: true },
};

async function throughProvider(page: Page, account: string): Promise<void> {
  // oidc-provider's own development pages: a login form, then a consent form.
  await page.locator('input[name="login"]').fill(account);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').first().click();
}

test('console sign-in with OpenID Connect against a real provider, and a refusal explained', { timeout: 180_000, skip: CHROMIUM_SKIP }, async () => {
  const server = createServer();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => void s.writeHead(503).end();
  server.on('request', (req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const site = await startConsoleSite({
    extra: { auth: { oidc: { name: 'Example SSO', issuer, client_id: 'vigie', client_secret: 'a-client-secret-for-tests', roles_claim: 'vigie_roles', allowed_domains: ['example.org'] } } },
  });
  try {
    const { default: Provider } = (await import('oidc-provider' as string)) as { default: any };
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'vigie', client_secret: 'a-client-secret-for-tests', redirect_uris: [`${site.base}/admin/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
      findAccount: async (_ctx: unknown, id: string) => (ACCOUNTS[id] ? { accountId: id, claims: async () => ACCOUNTS[id] } : undefined),
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['vigie_roles'] },
      conformIdTokenClaims: false,
      cookies: { keys: ['a-cookie-signing-key-for-tests'] },
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
    });
    provider.on('server_error', () => {});
    const callback = provider.callback();
    handler = (req, res) => callback(req, res);

    const { page, context, errors } = await openPage(site);
    await page.goto(`${site.base}/admin/incidents`);
    const button = page.getByRole('link', { name: 'Sign in with Example SSO' });
    await button.waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await button.click();
    await throughProvider(page, 'alice');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.match(await page.locator('.who').innerText(), /alice@example\.org \(editor\)/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with Example SSO' }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();

    // Another browser (the provider remembers alice in the first): carol's domain is refused.
    const other = await openPage(site);
    await other.page.goto(`${site.base}/admin/`);
    await other.page.getByRole('link', { name: 'Sign in with Example SSO' }).click();
    await throughProvider(other.page, 'carol');
    await other.page.getByRole('alert').filter({ hasText: 'Your e-mail address is not in a domain allowed here.' }).waitFor();
    assert.match(other.page.url(), /\/admin\/sign-in$/);
    assert.deepEqual(await axeViolations(other.page), []);
    assert.deepEqual(other.errors, []);
    await other.context.close();
  } finally {
    await site.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
