// Answering a GET/HEAD for a prepared public response: a lookup, a header check (ETag → 304) and a
// write of bytes compressed beforehand. The main process and the public-page workers (workers.ts)
// run this same code over the same entries, so they answer with identical bytes, ETags and headers.
// Kept free of Fastify and the views: a worker loads only this.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_LANG, type Lang, fromAcceptLanguage, fromCookie, isLang } from '../i18n/index.js';
import { type Prepared, etagFor, matchesEtag } from './prepared.js';

/** Key of a language-dependent resource. */
export const langKey = (lang: Lang, path: string) => `${lang}:${path}`;
/** Paths served in the visitor's language (?lang=, cookie, Accept-Language). */
export const LANG_PATHS = ['/', '/history', '/widget', '/history.atom', '/history.rss'] as const;
export const NOT_FOUND = '/404';

/** A prepared response and the headers it always goes out with. */
export interface Entry {
  p: Prepared;
  headers: Record<string, string>;
  status: number;
}

const LANG_COOKIE_MAX_AGE = 365 * 86_400;

/** Vary of resources that are the same in every language, and of those in the visitor's language. */
export const VARY_ENCODING = 'accept-encoding';
export const VARY_LANG = 'accept-encoding, accept-language, cookie';

/** What answers a GET/HEAD of `url`: the entry, its Vary, and the cookie to set (?lang=). */
export interface Resolved {
  e: Entry;
  vary: string;
  setCookie: string | undefined;
}

/** Answers a GET/HEAD for a prepared resource; false when it is not one (the caller takes it). */
export function servePrepared(entries: ReadonlyMap<string, Entry>, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const r = resolvePrepared(entries, req.url ?? '/', req.headers.cookie, req.headers['accept-language']);
  if (!r) return false;
  write(r, req, res);
  return true;
}

/** The prepared entry a GET/HEAD of `url` gets (with these Cookie and Accept-Language headers), if any. */
export function resolvePrepared(entries: ReadonlyMap<string, Entry>, url: string, cookieHeader: string | undefined, acceptLanguage: string | undefined): Resolved | undefined {
  const qi = url.indexOf('?');
  const path = qi < 0 ? url : url.slice(0, qi);
  const langDependent = (LANG_PATHS as readonly string[]).includes(path) || path.startsWith('/incidents/');
  if (!langDependent) {
    const e = entries.get(path);
    return e ? { e, vary: VARY_ENCODING, setCookie: undefined } : undefined;
  }
  // ?lang= wins (and is remembered in a cookie), then the cookie, then Accept-Language.
  const q = qi < 0 ? null : new URLSearchParams(url.slice(qi + 1)).get('lang');
  const cookie = fromCookie(cookieHeader);
  let lang: Lang;
  let vary = VARY_ENCODING;
  let setCookie: string | undefined;
  if (isLang(q)) {
    lang = q;
    if (cookie !== q && !path.endsWith('.atom') && !path.endsWith('.rss') && path !== '/widget') setCookie = `lang=${q}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE}; SameSite=Lax`;
  } else {
    lang = cookie ?? fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LANG;
    vary = VARY_LANG;
  }
  let key = langKey(lang, path);
  if (path.startsWith('/incidents/')) {
    let id = path.slice('/incidents/'.length);
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep as is: not found below */
    }
    key = langKey(lang, `/incidents/${id}`);
    if (!entries.has(key)) key = langKey(lang, NOT_FOUND);
  }
  const e = entries.get(key);
  return e ? { e, vary, setCookie } : undefined;
}

/**
 * Status, headers (in the order they go out) and body of the answer: 304 when If-None-Match names
 * it. The one place that decides them, for ServerResponse (write) and for the wire (fast-wire.ts).
 */
export function responseFor(e: Entry, vary: string, setCookie: string | undefined, enc: 'br' | 'gzip' | 'identity', notModified: boolean): { status: number; headers: Record<string, string | number>; body: Buffer | undefined } {
  const { p } = e;
  const headers: Record<string, string | number> = { ...e.headers, etag: etagFor(p, enc), vary };
  // The cookie-setting answer is this visitor's own: no shared cache may keep it.
  if (setCookie) Object.assign(headers, { 'set-cookie': setCookie, 'cache-control': 'private, no-cache' });
  if (notModified) {
    delete headers['content-type'];
    return { status: 304, headers, body: undefined };
  }
  const body = (enc === 'br' ? p.br : enc === 'gzip' ? p.gzip : undefined) ?? p.body;
  if (enc !== 'identity') headers['content-encoding'] = enc;
  headers['content-length'] = body.length;
  return { status: e.status, headers, body };
}

/** The encoding an entry is sent in for this Accept-Encoding. */
export const encodingFor = (e: Entry, acceptEncoding: string | undefined) => (e.p.br && e.p.gzip ? pickEncoding(acceptEncoding) : 'identity');

function write({ e, vary, setCookie }: Resolved, req: IncomingMessage, res: ServerResponse): void {
  const enc = encodingFor(e, req.headers['accept-encoding']);
  const r = responseFor(e, vary, setCookie, enc, e.status === 200 && matchesEtag(req.headers['if-none-match'], e.p));
  res.writeHead(r.status, r.headers);
  res.end(req.method === 'HEAD' ? undefined : r.body);
}

/** br when accepted, else gzip, else identity (q=0 honoured). */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!header) return 'identity';
  let br = false;
  let gz = false;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const off = params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    if (off) continue;
    if (name === 'br') br = true;
    else if (name === 'gzip' || name === 'x-gzip') gz = true;
    else if (name === '*') br = gz = true;
  }
  return br ? 'br' : gz ? 'gzip' : 'identity';
}
