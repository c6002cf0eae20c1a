// Probe kinds by name, as blackbox_exporter's prober map: the scheduler looks a
// monitor's kind up here and calls the function with the one shared signature.
import { httpProbe } from './http.js';

export const probes = {
  http: httpProbe,
} as const;

export type ProbeKind = keyof typeof probes;

export function isProbeKind(kind: string): kind is ProbeKind {
  return Object.hasOwn(probes, kind);
}

/** The probe for a kind; throws only for a kind the registry does not know (a programming error). */
export function probeFor<K extends ProbeKind>(kind: K): (typeof probes)[K] {
  if (!isProbeKind(kind)) throw new Error(`no probe for kind "${String(kind)}"; known: ${Object.keys(probes).join(', ')}`);
  return probes[kind];
}
