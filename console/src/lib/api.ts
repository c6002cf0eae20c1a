// The console's one door to the server: the admin REST API under /api/admin, with the session cookie
// (same origin), the CSRF header on every change, and the API's error answers turned into ApiError
// (401 sends the operator to sign-in; 400/409 carry the fields to show beside their inputs).
export const API = '/api/admin';

export interface Issue {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
  /** The problems for one form field, matched on the API's path ("body.monitor.url" → "monitor.url"). */
  forField(name: string): string | undefined {
    const hit = this.issues.filter((i) => stripWhere(i.field) === name);
    return hit.length ? hit.map((i) => i.message).join('; ') : undefined;
  }
  /** Issues no field of the form claims (shown above the form). */
  unclaimed(fields: readonly string[]): Issue[] {
    return this.issues.filter((i) => !fields.includes(stripWhere(i.field)));
  }
}

const stripWhere = (f: string) => f.replace(/^(body|query|params)\.?/, '');

let csrf: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface CallOptions {
  /** A 401 is the caller's to handle (signing in, where 401 means "wrong password"). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function call<T = unknown>(method: Method, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  try {
    return await send<T>(method, path, body, opts);
  } catch (err) {
    // A stale CSRF token (another tab signed in again): read the session's token once, then retry.
    if (!(err instanceof ApiError) || err.status !== 403 || err.code !== 'csrf' || method === 'GET') throw err;
    const s = await send<{ csrf_token: string }>('GET', '/session', undefined, opts);
    setCsrf(s.csrf_token);
    return send<T>(method, path, body, opts);
  }
}

async function send<T>(method: Method, path: string, body: unknown, opts: CallOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', (err as Error).message);
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (res.ok) return json as T;
  const j = (json ?? {}) as { error?: string; message?: string; issues?: Issue[] };
  const err = new ApiError(res.status, j.error ?? `http_${res.status}`, j.message ?? res.statusText, Array.isArray(j.issues) ? j.issues : []);
  if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized();
  throw err;
}

export const get = <T>(path: string, opts?: CallOptions) => call<T>('GET', path, undefined, opts);
export const post = <T>(path: string, body?: unknown, opts?: CallOptions) => call<T>('POST', path, body ?? {}, opts);
export const patch = <T>(path: string, body: unknown) => call<T>('PATCH', path, body);
export const del = <T>(path: string) => call<T>('DELETE', path);

/** A path segment: monitor ids hold "/" and "@". */
export const seg = (s: string) => encodeURIComponent(s);

/** A query string from the set fields only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
