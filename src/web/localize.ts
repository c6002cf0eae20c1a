// The snapshot in one language: what Vigie wrote by itself (incident titles, drafted updates, reasons for
// status changes) rendered from its message keys, so the French page is French. What people wrote stays
// as written. The APIs keep the stored English text (Statuspage clients read one language).
import { type Lang } from '../i18n/index.js';
import { say } from '../i18n/text.js';
import type { Snapshot, SnapshotIncident } from './snapshot.js';

const cache = new WeakMap<Snapshot, Map<Lang, Snapshot>>();

export function localize(s: Snapshot, lang: Lang): Snapshot {
  let byLang = cache.get(s);
  if (!byLang) cache.set(s, (byLang = new Map()));
  let out = byLang.get(lang);
  if (!out) {
    const incident = (i: SnapshotIncident): SnapshotIncident => ({
      ...i,
      ...(i.nameText ? { name: say(lang, i.nameText) } : {}),
      updates: i.updates.map((u) => (u.bodyText ? { ...u, body: say(lang, u.bodyText) } : u)),
    });
    out = {
      ...s,
      incidents: s.incidents.map(incident),
      maintenances: s.maintenances.map(incident),
      changes: s.changes.map((c) => (c.reasonText ? { ...c, reason: say(lang, c.reasonText) } : c)),
      services: s.services.map((svc) => ({
        ...svc,
        components: svc.components.map((c) => (c.declared ? { ...c, declared: { ...c.declared, incidentName: nameOf(s, c.declared.incidentId, lang) ?? c.declared.incidentName } } : c)),
      })),
    };
    byLang.set(lang, out);
  }
  return out;
}

function nameOf(s: Snapshot, id: string, lang: Lang): string | undefined {
  const i = [...s.incidents, ...s.maintenances].find((x) => x.id === id);
  return i?.nameText ? say(lang, i.nameText) : i?.name;
}
