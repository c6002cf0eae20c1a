// The operator console at /admin: the single-page app Vite builds into dist/console (npm run build),
// served from memory. Hashed assets are cached for a year; index.html is never cached, and every
// path under /admin that is not an asset answers it (the app routes by itself). It talks only to
// the admin API, under a CSP that allows nothing but this origin's own scripts, styles and API.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** dist/console beside dist/src (this file runs from dist/src/web/routes). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
}

function load(dir: string): { index: Buffer; assets: Map<string, Asset> } | undefined {
  let index: Buffer;
  try {
    index = readFileSync(join(dir, 'index.html'));
  } catch {
    return undefined;
  }
  const assets = new Map<string, Asset>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else if (r !== 'index.html') {
        const body = readFileSync(join(dir, r));
        const type = TYPES[extname(r)] ?? 'application/octet-stream';
        // Text assets are compressed once here, not per request.
        const gzip = /text|javascript|json|svg/.test(type) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
        assets.set(r, { body, gzip, type });
      }
    }
  };
  walk('');
  return { index, assets };
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cross-origin-opener-policy', 'same-origin');
}

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigie console not built</title></head><body>
<h1>The operator console is not built</h1>
<p>This Vigie was compiled without the console's web app (dist/console is missing). Build it with
<code>npm run build</code> (it runs the TypeScript compiler and <code>vite build</code>), then restart Vigie.</p>
<p>The admin API works without it: <a href="/api/admin/openapi.json">/api/admin/openapi.json</a>.</p>
</body></html>`;

export const consoleRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, opts) => {
  const built = load(opts.dir ?? CONSOLE_DIR);
  const page = (_req: unknown, reply: FastifyReply) => {
    secure(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    if (!built) return reply.code(503).header('retry-after', '3600').send(MISSING);
    return reply.send(built.index);
  };
  app.get('/admin', page);
  app.get('/admin/*', (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    if (built && rest.startsWith('assets/')) {
      const a = built.assets.get(rest);
      if (!a) return secure(reply).code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(`no console asset ${rest}`);
      secure(reply).header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'accept-encoding').type(a.type);
      if (a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(a.gzip);
      return reply.send(a.body);
    }
    return page(req, reply);
  });
};
