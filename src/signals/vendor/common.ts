// Small helpers the parsers share: JSON reading and zod errors worded as a recorded fact.
import type { z } from 'zod';
import { type VendorIncidentStatus, VENDOR_INCIDENT_STATUSES } from './types.js';

/** "malformed: <what>" from a zod error: the first few issues with their paths. */
export function malformed(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((i) => {
    const path = i.path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
    return path ? `${path}: ${i.message}` : i.message;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `malformed: ${parts.join('; ')}${more}`;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

export function readJson(body: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (err) {
    const head = body.trimStart().slice(0, 1);
    const what = head === '<' ? 'an HTML or XML page, not JSON' : `not JSON (${err instanceof Error ? err.message : String(err)})`;
    return { ok: false, error: `malformed: ${what}` };
  }
}

/** A stage name in any case or spacing ("In Progress", "IDENTIFIED") as ours, 'unknown' otherwise. */
export function incidentStatus(v: string | null | undefined): VendorIncidentStatus {
  const s = (v ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
  const aliases: Record<string, VendorIncidentStatus> = {
    inprogress: 'in_progress',
    maintenance_in_progress: 'in_progress',
    maintenance_scheduled: 'scheduled',
    notstartedyet: 'scheduled',
    not_started_yet: 'scheduled',
    update: 'unknown',
  };
  if (aliases[s]) return aliases[s]!;
  return (VENDOR_INCIDENT_STATUSES as readonly string[]).includes(s) ? (s as VendorIncidentStatus) : 'unknown';
}

/** A short, stable id from text (for updates or entries that carry none). */
export function textId(...parts: (string | number | null | undefined)[]): string {
  let h = 0x811c9dc5;
  for (const ch of parts.map((p) => String(p ?? '')).join('\u0001')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}
