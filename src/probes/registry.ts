// Probe kinds by name, as blackbox_exporter's prober map: the scheduler looks a
// monitor's kind up here and calls the function with the one shared signature.
import type { KindAndTarget, Targets } from '../config/monitors.js';
import { dnsProbe } from './dns.js';
import { heartbeatProbe } from './heartbeat.js';
import { httpProbe } from './http.js';
import { icmpProbe } from './icmp.js';
import { llmProbe } from './llm.js';
import { tcpProbe } from './tcp.js';
import { tlsProbe } from './tls.js';
import type { Probe, ProbeContext, ProbeReport } from './types.js';
import { websocketProbe } from './websocket.js';

export const probes: { readonly [K in keyof Targets]: Probe<Targets[K]> } = {
  http: httpProbe,
  tcp: tcpProbe,
  tls: tlsProbe,
  dns: dnsProbe,
  websocket: websocketProbe,
  icmp: icmpProbe,
  llm: llmProbe,
  heartbeat: heartbeatProbe,
};

export type ProbeKind = keyof typeof probes;

export function isProbeKind(kind: string): kind is ProbeKind {
  return Object.hasOwn(probes, kind);
}

/** The probe for a kind; throws only for a kind the registry does not know (a programming error). */
export function probeFor<K extends ProbeKind>(kind: K): (typeof probes)[K] {
  if (!isProbeKind(kind)) throw new Error(`no probe for kind "${String(kind)}"; known: ${Object.keys(probes).join(', ')}`);
  return probes[kind];
}

/** Runs the probe of a monitor's kind on its target (the one place the kind/target pairing is trusted). */
export function runCheck(m: KindAndTarget, ctx: ProbeContext): Promise<ProbeReport> {
  const probe = probeFor(m.kind) as Probe<typeof m.target>;
  return probe(m.target, ctx);
}
