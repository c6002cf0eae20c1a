// Assembles the history's input from the config and the records the store read (src/store/history.ts).
import type { VigieConfig } from '../config/schema.js';
import { catalogueEntry } from '../signals/vendor/catalogue.js';
import type { HistoryRecords } from '../store/history.js';
import { outagesOf, serviceOf } from './outages.js';
import type { HistoryInput, HistoryService } from './types.js';

export function historyServices(config: VigieConfig, createdAt: ReadonlyMap<string, number>, records: Pick<HistoryRecords, 'incidents'>, now: number): HistoryService[] {
  const earliest = new Map<string, number>();
  for (const o of outagesOf(records.incidents)) {
    const s = serviceOf(o);
    if (s !== null) earliest.set(s, Math.min(earliest.get(s) ?? Infinity, o.start));
  }
  return config.services.map((s) => {
    const cat = s.vendor?.catalogue ? catalogueEntry(s.vendor.catalogue) : undefined;
    return {
      id: s.id,
      name: s.name,
      components: s.components.map((c) => ({ id: `${s.id}/${c.id}`, name: c.name, dependsOn: c.depends_on.map((d) => (d.includes('/') ? d : `${s.id}/${d}`)) })),
      dependsOn: [...s.depends_on],
      slo: s.slo ? { target: s.slo.target, windowMs: s.slo.window } : null,
      vendor: s.vendor ? (cat ? { key: s.vendor.catalogue!, name: cat.name } : { key: hostOf(s.vendor.url), name: hostOf(s.vendor.url) }) : null,
      trackedSince: Math.min(createdAt.get(s.id) ?? now, earliest.get(s.id) ?? Infinity),
    };
  });
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
};

export function historyInput(config: VigieConfig, createdAt: ReadonlyMap<string, number>, records: HistoryRecords, now: number): HistoryInput {
  return {
    now,
    timeZone: config.history.time_zone,
    services: historyServices(config, createdAt, records, now),
    incidents: records.incidents,
    changes: records.changes,
    vendorSpans: records.vendorSpans,
    signals: records.signals,
  };
}
