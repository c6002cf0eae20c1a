// HTTP(S) probe: the request (http-request.ts: a fresh connection per hop, timed phases, capped
// body), then redirects, the expected status, the certificate's remaining days, and the body
// assertions: keyword, regex, JSON paths and Gatus-style conditions.
//
// Redirects are followed by default, up to max_redirects (10): each hop is its own connection,
// and phases add up over the hops. A Location already visited is a redirect loop and fails as
// 'protocol' at once; more hops than allowed fail as 'protocol' too. 303 (and 301/302 after a
// POST) continue as GET without a body, as browsers do; 307/308 keep the method and body.
import { STATUS_CODES } from 'node:http';
import type { HttpTarget } from '../config/schema.js';
import { checkCertDays } from './cert.js';
import { type Facts, firstFailure, isMissing, parseJsonPath, walk } from './conditions.js';
import { headerValue, httpOnce } from './http-request.js';
import { type Failure, type Run, fail, runProbe } from './run.js';
import type { Probe, ProbeContext } from './types.js';

export { MAX_BODY_BYTES } from './http-request.js';

export const DEFAULT_MAX_REDIRECTS = 10;

export const httpProbe: Probe<HttpTarget> = (target, ctx) => runProbe(ctx, (run) => check(run, target, ctx));

async function check(run: Run, target: HttpTarget, ctx: ProbeContext): Promise<Failure | undefined> {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return fail('protocol', `invalid URL "${target.url}"`);
  }
  const follow = target.followRedirects ?? true;
  const maxRedirects = target.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let method = target.method;
  let body = target.body;
  const visited = [url.href];

  for (;;) {
    const res = await httpOnce(run, {
      url,
      method,
      headers: target.headers,
      body,
      maxBodyBytes: target.maxBodyBytes,
      lookup: ctx.lookup,
      insecure: target.insecure,
      wantBody: (status) => !(follow && isRedirect(status)) && target.expectedStatus.includes(status),
    });
    const location = isRedirect(res.statusCode) ? headerValue(res.headers['location']) : undefined;
    if (follow && location !== undefined) {
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return fail('protocol', `HTTP ${res.statusCode} redirects to an invalid URL "${location}"`);
      }
      if (visited.includes(next.href)) return fail('protocol', `redirect loop: ${[...visited, next.href].join(' -> ')}`);
      if (visited.length > maxRedirects) return fail('protocol', `more than ${maxRedirects} redirects (last: ${url.href} -> ${next.href})`);
      visited.push(next.href);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      url = next;
      run.details.redirects = visited.length - 1;
      continue;
    }
    if (visited.length > 1) run.details.finalUrl = url.href;

    if (!target.expectedStatus.includes(res.statusCode)) {
      return fail(
        'http_status',
        `HTTP ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd() +
          `, expected ${listOr(target.expectedStatus)}` +
          (location ? ` (redirect to ${location}, not followed)` : ''),
      );
    }
    checkCertDays(run, url.hostname, target.minCertDays);
    const text = res.body.toString('utf8');
    assertBody(target, text);
    const facts: Facts = {
      status: res.statusCode,
      body: text,
      responseTimeMs: run.elapsed(),
      connected: true,
      ...(run.details.ip !== undefined ? { ip: run.details.ip } : {}),
      ...(run.details.certExpiresAt !== undefined ? { certExpiresInMs: Date.parse(run.details.certExpiresAt) - Date.now() } : {}),
    };
    const failed = firstFailure(target.conditions, facts);
    if (failed) return fail('assertion', failed);
    return undefined;
  }
}

/** Keyword, absent keyword, regex and JSON-path checks on the body; the first that fails is an 'assertion'. */
function assertBody(target: HttpTarget, text: string): void {
  for (const k of target.bodyContains ?? []) if (!text.includes(k)) fail('assertion', `body does not contain ${JSON.stringify(k)}`);
  for (const k of target.bodyNotContains ?? []) if (text.includes(k)) fail('assertion', `body contains ${JSON.stringify(k)}, which it must not`);
  if (target.bodyMatches !== undefined && !new RegExp(target.bodyMatches).test(text)) fail('assertion', `body does not match /${target.bodyMatches}/`);
  const json = Object.entries(target.json ?? {});
  if (json.length === 0) return;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail('assertion', `body is not JSON (${text.length} characters), so ${json.map(([p]) => p).join(', ')} cannot be checked`);
  }
  for (const [path, expected] of json) {
    const actual = walk(doc, parseJsonPath(path));
    if (isMissing(actual)) fail('assertion', `JSON ${path} is missing, expected ${JSON.stringify(expected)}`);
    if (!sameJson(actual, expected)) fail('assertion', `JSON ${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

/** Equal as JSON values; a number also equals its text ("3" and 3), as YAML writers expect. */
function sameJson(actual: unknown, expected: string | number | boolean | null): boolean {
  if (actual === expected) return true;
  if (typeof expected === 'number' && typeof actual === 'string') return actual.trim() !== '' && Number(actual) === expected;
  if (typeof expected === 'string' && typeof actual === 'number') return expected.trim() !== '' && Number(expected) === actual;
  return false;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** [200] -> "200", [200, 204] -> "200 or 204", [200, 201, 204] -> "200, 201 or 204". */
function listOr(codes: number[]): string {
  if (codes.length <= 1) return codes.join('');
  return `${codes.slice(0, -1).join(', ')} or ${codes[codes.length - 1]}`;
}
