// The config's auth.oidc section: one OpenID Connect provider for console sign-in.
import { z } from 'zod';
import { ROLES } from './roles.js';

const domain = z
  .string()
  .transform((d) => d.trim().toLowerCase().replace(/^@/, ''))
  .pipe(z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: 'must be a domain name, e.g. example.org' }));

export function oidcSchema(webUrl: z.ZodType<string>) {
  return z.strictObject({
    /** Shown on the sign-in button ("Sign in with …"). */
    name: z.string().min(1).max(60).default('single sign-on'),
    /** The issuer URL (its /.well-known/openid-configuration is read). Plain http only on a loopback address. */
    issuer: webUrl,
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
    /** Where the provider sends people back; default <site.base_url>/admin/oidc/callback. */
    redirect_url: webUrl.optional(),
    /** The role of a user created at their first OpenID Connect sign-in. */
    default_role: z.enum(ROLES).default('viewer'),
    /** An ID-token claim (a string or a list) whose value "owner", "editor" or "viewer" sets the role at every sign-in. */
    roles_claim: z.string().min(1).optional(),
    /** Only people whose verified e-mail address is in one of these domains may sign in (empty: anyone the provider accepts). */
    allowed_domains: z.array(domain).default([]),
  });
}

export type OidcSettings = z.output<ReturnType<typeof oidcSchema>>;
