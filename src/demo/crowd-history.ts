// Two weeks of the usual crowd volume before the scenario starts, so the crowd level judges the surge
// against a learned week, as it would on an install that has been running. Without it the baseline held
// only the two hours before the outage and had learned the surge as usual an hour in ("no evidence" at
// 00:17 with 580 reports against 6 expected).
import type { Store } from '../store/store.js';
import { addReportMinutes } from '../store/reports.js';
import { seededRandom } from '../core/random.js';
import { poisson } from '../signals/reports/traces.js';
import { reportLevelAt } from './faults.js';
import type { Scenario } from './scenario.js';

const MIN = 60_000;
export const CROWD_HISTORY_DAYS = 14;

/** Per service: the scenario's volume at its start, taken as the usual one. Returns the minutes written. */
export async function seedCrowdHistory(store: Store, scenario: Scenario, categories: (serviceId: string) => string[]): Promise<number> {
  const r = seededRandom(20241211);
  const startMin = Math.floor(scenario.start / MIN);
  const rows: { service_id: string; category: string; minute: number; n: number }[] = [];
  for (const service of new Set(scenario.reports.map((l) => l.service))) {
    const usual = reportLevelAt(scenario, service, scenario.start);
    const cats = categories(service);
    if (!(usual > 0) || cats.length === 0) continue;
    for (let m = startMin - CROWD_HISTORY_DAYS * 1440; m < startMin; m++) {
      const n = poisson(r, usual);
      if (n > 0) rows.push({ service_id: service, category: cats[m % cats.length]!, minute: m, n });
    }
  }
  await addReportMinutes(store.db, rows);
  return rows.length;
}
