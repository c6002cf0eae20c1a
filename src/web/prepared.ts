// Responses are rendered and compressed once per state change, then served as bytes: when everyone
// checks the page at once, a request costs a lookup, not a render. gzip and brotli are made at publish
// time on the thread pool (the event loop keeps serving the previous bytes meanwhile), except small
// bodies (below SYNC_COMPRESS), compressed in place; a body identical to one already prepared reuses
// its compressed forms.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { type BrotliOptions, type ZlibOptions, brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Below this, bodies are served as they are (they fit one packet either way), as nginx's gzip_min_length. */
export const MIN_COMPRESS = 1024;

/**
 * Up to this size a body is compressed on the event loop, synchronously. On the thread pool a small
 * body's compression costs far more than the compression itself (a 1.2 KB badge: 2 ms of CPU for
 * brotli with 16 in flight, 0.11 ms in place; gzip 0.17 against 0.03): each job sets up and tears
 * down a native encoder on a pool thread. At 10,000 monitors a publish has ~4,400 such bodies (badges):
 * ~11 s of CPU on the pool, 0.7 s in place (the caller yields to the event loop between batches).
 */
export const SYNC_COMPRESS = 16 * 1024;

export interface Prepared {
  body: Buffer;
  /** Both absent for bodies under MIN_COMPRESS: at 10,000 monitors that is thousands of badges per publish. */
  gzip?: Buffer;
  br?: Buffer;
  /** Strong validator of the identity bytes; the compressed forms carry it with a suffix. */
  etag: string;
  contentType: string;
}

/** Strong ETag per encoding (the bytes differ); If-None-Match matches any of them. */
export function etagFor(p: Prepared, encoding: 'br' | 'gzip' | 'identity'): string {
  return encoding === 'identity' ? `"${p.etag}"` : `"${p.etag}-${encoding === 'br' ? 'br' : 'gz'}"`;
}

/** Whether an If-None-Match header names this response (any encoding of it, weak or strong). */
export function matchesEtag(header: string | undefined, p: Prepared): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  for (const raw of header.split(',')) {
    const t = raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    if (t === p.etag || t === `${p.etag}-br` || t === `${p.etag}-gz`) return true;
  }
  return false;
}

/**
 * Bytes, validator and compressed forms of one response. `cache` (etag → Prepared, e.g. the previous
 * publish's) saves the compression when the same bytes were prepared before.
 */
export async function prepare(body: string | Buffer, contentType: string, cache?: Map<string, Prepared>): Promise<Prepared> {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const etag = createHash('sha1').update(contentType).update('\0').update(buf).digest('base64url').slice(0, 22);
  const hit = cache?.get(etag);
  if (hit) return hit;
  if (buf.length < MIN_COMPRESS) return { body: buf, etag, contentType };
  // Windows no larger than the body: the output is the same, and each compression's native state
  // shrinks from ~0.3 MB (gzip) and several MB (brotli) to what a small body needs. A publish at
  // 10,000 monitors compresses thousands of small bodies, and that state was most of its memory.
  const bits = Math.ceil(Math.log2(buf.length + 1));
  // Level 9 costs ~3× the time of 6 for ~1 % on pages, which are re-compressed every minute (the bars): only on small bodies.
  const gzOpts: ZlibOptions = { level: buf.length > 8 * 1024 ? 6 : 9, windowBits: Math.min(15, Math.max(9, bits)), memLevel: Math.min(8, Math.max(2, bits - 6)) };
  const brOpts: BrotliOptions = {
    params: {
      [constants.BROTLI_PARAM_LGWIN]: Math.min(22, Math.max(10, bits)),
      // Quality 11 costs ~30× the time of 5 for ~10 % on pages. On small bodies it is still ~10×
      // quality 9 (a 1.2 KB badge: 2.1 ms against 0.2 ms, for 403 bytes against 427): at 10,000
      // monitors a publish has ~4,400 badges.
      [constants.BROTLI_PARAM_QUALITY]: buf.length > 8 * 1024 ? 5 : 9,
      [constants.BROTLI_PARAM_MODE]: contentType.startsWith('text/') || contentType.includes('json') || contentType.includes('xml') ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  };
  const [gz, br] = buf.length <= SYNC_COMPRESS ? [gzipSync(buf, gzOpts), brotliCompressSync(buf, brOpts)] : await Promise.all([gzipAsync(buf, gzOpts), brotliAsync(buf, brOpts)]);
  // zlib hands back a view into its 16 KB output chunk, which stays allocated as long as the view:
  // exact-size copies keep ~45 MB less alive for the ~4,000 responses of a 10,000-monitor page.
  return { body: buf, gzip: Buffer.from(gz), br: Buffer.from(br), etag, contentType };
}

export class PreparedSet {
  private entries = new Map<string, Prepared>();
  set(name: string, p: Prepared): void {
    this.entries.set(name, p);
  }
  get(name: string): Prepared | undefined {
    return this.entries.get(name);
  }
  has(name: string): boolean {
    return this.entries.has(name);
  }
  /** Replaces the whole set at once (names missing from `next` disappear: a deleted incident's page). */
  replace(next: Map<string, Prepared>): void {
    this.entries = next;
  }
  names(): IterableIterator<string> {
    return this.entries.keys();
  }
}
