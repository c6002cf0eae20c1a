// TLS probe: TCP connect and the TLS handshake only, no application protocol. The certificate
// must be valid for the name (unless insecure), and its days to expiry are reported; closer to
// expiry than min_cert_days fails as 'tls'.
import type { TlsTarget } from '../config/schema.js';
import { checkCertDays, recordCert } from './cert.js';
import { firstFailure } from './conditions.js';
import { connectTo } from './connect.js';
import { type Run, fail, runProbe } from './run.js';
import type { Probe, ProbeContext } from './types.js';
import type tls from 'node:tls';

export const tlsProbe: Probe<TlsTarget> = (target, ctx) => runProbe(ctx, (run) => check(run, target, ctx));

async function check(run: Run, t: TlsTarget, ctx: ProbeContext) {
  const name = t.servername ?? t.host;
  const socket = (await connectTo(run, { host: t.host, port: t.port, lookup: ctx.lookup, tls: { host: name, insecure: t.insecure } })) as tls.TLSSocket;
  const leftMs = recordCert(run, socket);
  checkCertDays(run, name, t.minCertDays);
  const failed = firstFailure(t.conditions, {
    connected: true,
    responseTimeMs: run.elapsed(),
    ...(leftMs !== undefined ? { certExpiresInMs: leftMs } : {}),
    ...(run.details.ip ? { ip: run.details.ip } : {}),
  });
  return failed ? fail('assertion', failed) : undefined;
}
