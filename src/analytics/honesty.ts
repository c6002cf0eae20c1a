// Vendor honesty: how the vendor's own word compared with what Vigie observed, per vendor.
//
// The grade, out of 100, is written so anyone can redo it (README "Vendor honesty"):
//   50 × the share of observed outages the vendor acknowledged
// + 30 × the promptness of its median acknowledgement (1 within 15 min, 0 at 2 h or later, linear between)
// + 20 × (1 − the share of observed outage time its page said "operational"), over the time we read it
//   (outage time: partial or major outage in the status history, as for downtime).
// When its page was never read during an outage, the last term is left out and the rest scaled to 100.
// Letters: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E. No grade under MIN_GRADED outages: too few to compare.
import type { Outage } from './outages.js';
import { serviceOf } from './outages.js';
import { summarize } from './stats.js';
import { serviceSpans } from './reliability.js';
import { isOutage } from '../core/status.js';
import { DAY_MS, type HistoryInput, type VendorSpan } from './types.js';

export const MIN_GRADED = 3;
const PROMPT_MS = 15 * 60_000;
const LATE_MS = 2 * 3_600_000;

export interface VendorHonesty {
  vendor: string;
  name: string;
  services: string[];
  /** Outages Vigie observed in the last 365 days. */
  observed: number;
  acknowledged: number;
  acknowledgedShare: number | null;
  /** Acknowledgement lags (0 when the vendor spoke first). */
  medianLagMs: number | null;
  worstLagMs: number | null;
  /** Resolved outages the vendor never acknowledged. */
  neverAcknowledged: number;
  /** Outage time during which the vendor's page was read and said everything was operational. */
  saidOperationalMs: number;
  /** Outage time during which the vendor's page was read at all. */
  readDuringOutageMs: number;
  outageMs: number;
  score: number | null;
  grade: 'A' | 'B' | 'C' | 'D' | 'E' | null;
}

function union(intervals: { start: number; end: number }[]): { start: number; end: number }[] {
  const s = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const i of s) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

function overlap(a: { start: number; end: number }[], spans: readonly VendorSpan[], keep: (s: VendorSpan) => boolean): number {
  let ms = 0;
  for (const i of a) for (const s of spans) if (keep(s)) ms += Math.max(0, Math.min(i.end, s.to) - Math.max(i.start, s.from));
  return ms;
}

export function letter(score: number): NonNullable<VendorHonesty['grade']> {
  return score >= 90 ? 'A' : score >= 75 ? 'B' : score >= 60 ? 'C' : score >= 40 ? 'D' : 'E';
}

/** Per vendor (or only `onlyVendor`'s), over the last 365 days. */
export function vendorHonesty(input: HistoryInput, outages: readonly Outage[], onlyVendor?: string): VendorHonesty[] {
  const byVendor = new Map<string, { name: string; services: string[] }>();
  for (const s of input.services) {
    if (!s.vendor || (onlyVendor !== undefined && s.vendor.key !== onlyVendor)) continue;
    const v = byVendor.get(s.vendor.key) ?? { name: s.vendor.name, services: [] };
    v.services.push(s.id);
    byVendor.set(s.vendor.key, v);
  }
  const since = input.now - 365 * DAY_MS;
  return [...byVendor].map(([vendor, v]) => {
    const mine = outages.filter((o) => o.start > since && o.start <= input.now && v.services.includes(serviceOf(o) ?? ''));
    const acked = mine.filter((o) => o.figures.vendorAcknowledgedAt !== null);
    const lags = summarize(acked.map((o) => Math.max(0, o.figures.acknowledgementLagMs ?? 0)));
    let saidOperationalMs = 0;
    let readDuringOutageMs = 0;
    let outageMs = 0;
    for (const sid of v.services) {
      const spans = input.vendorSpans.filter((s) => s.serviceId === sid);
      // Observed outage time from the status history (as downtime is), not the incidents' spans, which
      // run on through the resolve hold after recovery.
      const service = input.services.find((s) => s.id === sid)!;
      const down = union(serviceSpans(service, mine, input).filter((sp) => isOutage(sp.status)).map((sp) => ({ start: Math.max(sp.start, since), end: sp.end })));
      outageMs += down.reduce((a, i) => a + i.end - i.start, 0);
      saidOperationalMs += overlap(down, spans, (s) => s.reachable && s.saysOperational === true);
      readDuringOutageMs += overlap(down, spans, (s) => s.reachable && s.saysOperational !== null);
    }
    const share = mine.length ? acked.length / mine.length : null;
    let score: number | null = null;
    if (mine.length >= MIN_GRADED && share !== null) {
      const prompt = lags.medianMs === null ? 0 : Math.min(1, Math.max(0, (LATE_MS - lags.medianMs) / (LATE_MS - PROMPT_MS)));
      score = readDuringOutageMs > 0 ? 50 * share + 30 * prompt + 20 * (1 - saidOperationalMs / readDuringOutageMs) : ((50 * share + 30 * prompt) / 80) * 100;
      score = Math.round(score * 10) / 10;
    }
    return {
      vendor,
      name: v.name,
      services: v.services,
      observed: mine.length,
      acknowledged: acked.length,
      acknowledgedShare: share,
      medianLagMs: lags.medianMs,
      worstLagMs: lags.maxMs,
      neverAcknowledged: mine.filter((o) => o.figures.vendorAcknowledgedAt === null && o.end !== null).length,
      saidOperationalMs,
      readDuringOutageMs,
      outageMs,
      score,
      grade: score === null ? null : letter(score),
    };
  });
}
