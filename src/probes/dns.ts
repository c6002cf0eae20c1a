// DNS probe: one query of one record type to one resolver (the system's when none is set),
// through node:dns's Resolver (c-ares) with a single try, so the run's deadline is the limit.
// The response code and answers are reported. It fails as 'dns' on an error code (NXDOMAIN,
// SERVFAIL, REFUSED, ...) or an empty answer (unless a condition reads [DNS_RCODE] itself),
// as 'timeout' when the resolver never answers, and as 'assertion' when an expected answer is
// missing or a condition fails. The pending query is cancelled when the run ends.
import { promises as dns } from 'node:dns';
import type { DnsTarget } from '../config/schema.js';
import { firstFailure, mentions } from './conditions.js';
import { type Run, errorCode, errorText, fail, runProbe } from './run.js';
import type { Probe, ProbeContext } from './types.js';

/** c-ares error codes to the DNS response code they stand for. */
const RCODES: Record<string, string> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'NOERROR',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  EFORMERR: 'FORMERR',
  ENOTIMP: 'NOTIMP',
};

export const dnsProbe: Probe<DnsTarget> = (target, ctx) => runProbe(ctx, (run) => check(run, target, ctx));

async function check(run: Run, t: DnsTarget, ctx: ProbeContext) {
  const resolver = new dns.Resolver({ timeout: Math.max(1, Math.min(Math.round(ctx.timeoutMs), 2 ** 31 - 1)), tries: 1 });
  try {
    if (t.resolver) resolver.setServers([t.resolver]);
  } catch (err) {
    return fail('dns', `invalid resolver "${t.resolver}": ${errorText(err)}`);
  }
  run.defer(() => resolver.cancel());
  const server = t.resolver ?? 'the system resolver';
  const question = `${t.recordType} ${t.name}`;
  run.where = `waiting for ${server} to answer ${question}`;
  let answers: string[] = [];
  let rcode = 'NOERROR';
  try {
    const raw = await run.time('dnsMs', () => resolver.resolve(t.name, t.recordType) as Promise<unknown>);
    answers = format(t.recordType, raw);
  } catch (err) {
    if (run.over) throw err;
    const code = errorCode(err);
    if (code === 'ETIMEOUT') return fail('timeout', `${server} did not answer ${question} within ${ctx.timeoutMs} ms`);
    const known = code ? RCODES[code] : undefined;
    if (!known) return fail('dns', `query ${question} to ${server} failed: ${code ?? errorText(err)}`);
    rcode = known;
  }
  run.details.rcode = rcode;
  run.details.answers = answers;
  const rcodeByConditions = mentions(t.conditions, 'DNS_RCODE');
  if (!rcodeByConditions) {
    if (rcode !== 'NOERROR') return fail('dns', `${rcode} for ${question} from ${server}`);
    if (answers.length === 0) return fail('dns', `no ${t.recordType} records for ${t.name} from ${server} (NOERROR, empty answer)`);
  }
  const missing = (t.expected ?? []).filter((e) => !answers.some((a) => same(a, e)));
  if (missing.length > 0)
    return fail('assertion', `expected ${missing.map((m) => JSON.stringify(m)).join(', ')} among the ${t.recordType} answers, got ${answers.length ? answers.map((a) => JSON.stringify(a)).join(', ') : 'none'}`);
  const failed = firstFailure(t.conditions, { dnsRcode: rcode, body: answers.join(', '), responseTimeMs: run.elapsed(), connected: true });
  return failed ? fail('assertion', failed) : undefined;
}

/** Names compare without case or a trailing dot. */
function same(a: string, b: string): boolean {
  const n = (s: string) => s.trim().toLowerCase().replace(/\.$/, '');
  return n(a) === n(b);
}

/** Each record as one line of text, as dig would show its data. */
function format(type: DnsTarget['recordType'], raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((r: unknown) => {
    const o = r as Record<string, unknown>;
    switch (type) {
      case 'MX':
        return `${String(o.priority)} ${String(o.exchange)}`;
      case 'TXT':
        return (r as string[]).join('');
      case 'SRV':
        return `${String(o.priority)} ${String(o.weight)} ${String(o.port)} ${String(o.name)}`;
      case 'CAA': {
        const tag = ['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone'].find((k) => k in o) ?? 'issue';
        return `${String(o.critical ?? 0)} ${tag} "${String(o[tag])}"`;
      }
      case 'SOA':
        return `${String(o.nsname)} ${String(o.hostmaster)} ${String(o.serial)}`;
      default:
        return String(r);
    }
  });
}
