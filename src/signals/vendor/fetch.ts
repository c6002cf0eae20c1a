// Fetching a vendor page: undici, one deadline for the whole exchange, a cap on the body, a few redirects.
// Never throws: every failure comes back as the sentence we record.
import { request } from 'undici';

export const VENDOR_MAX_BODY_BYTES = 2 * 1024 * 1024;
export const VENDOR_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
const USER_AGENT = 'Vigie-vendor-status/0.1 (+https://github.com/)';

export type FetchOutcome = { ok: true; body: string; status: number; contentType: string | null } | { ok: false; error: string };

/** Fetches a page's body; replays and tests swap it for their own. */
export type VendorFetcher = (url: string, opts: { timeoutMs: number; maxBytes: number; signal?: AbortSignal }) => Promise<FetchOutcome>;

const unreachable = (why: string): FetchOutcome => ({ ok: false, error: `vendor page unreachable: ${why}` });

export const fetchVendorPage: VendorFetcher = async (url, opts) => {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  let target = url;
  try {
    for (let hop = 0; ; hop++) {
      const res = await request(target, {
        method: 'GET',
        signal,
        headers: { 'user-agent': USER_AGENT, accept: 'application/json, application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5' },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        await res.body.dump().catch(() => {});
        if (hop >= MAX_REDIRECTS) return unreachable(`more than ${MAX_REDIRECTS} redirects`);
        target = new URL(String(res.headers.location), target).toString();
        continue;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump().catch(() => {});
        return unreachable(`HTTP ${res.statusCode}`);
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        res.body.destroy();
        return unreachable(`answer of ${declared} bytes is over the ${opts.maxBytes}-byte cap`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > opts.maxBytes) {
          res.body.destroy();
          return unreachable(`answer over the ${opts.maxBytes}-byte cap, reading stopped`);
        }
        chunks.push(chunk as Buffer);
      }
      const ct = res.headers['content-type'];
      return { ok: true, body: Buffer.concat(chunks).toString('utf8'), status: res.statusCode, contentType: typeof ct === 'string' ? ct : null };
    }
  } catch (err) {
    if (deadline.aborted) return unreachable(`no complete answer within ${opts.timeoutMs} ms`);
    if (opts.signal?.aborted) return unreachable('stopped');
    const e = err as { code?: string; message?: string };
    return unreachable(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`);
  }
};
