// The history's figures from two replays (src/replay): the real detection, incident engine, vendor
// reading and store produce the records; the figures are checked against what the scenario files say
// happened (fault windows, the vendor's statements) and against the replay's own incident figures.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { correlatedOutages } from '../src/analytics/correlation.js';
import { serviceHistory } from '../src/analytics/history.js';
import { vendorHonesty } from '../src/analytics/honesty.js';
import { historyInput } from '../src/analytics/input.js';
import { outagesOf } from '../src/analytics/outages.js';
import type { HistoryInput } from '../src/analytics/types.js';
import { loadScenario } from '../src/demo/scenario.js';
import { scenarioToConfig } from '../src/demo/vigie-config.js';
import { type ReplayResult, runReplay } from '../src/replay/replay.js';
import { readHistory } from '../src/store/history.js';
import { openStore } from '../src/store/index.js';

const MIN = 60_000;
const near = (got: number, want: number, tolerance: number, what: string) => assert.ok(Math.abs(got - want) <= tolerance, `${what}: ${got / MIN} min, expected ${want / MIN} ± ${tolerance / MIN} min`);

async function replayHistory(name: string, dir: string): Promise<{ r: ReplayResult; input: HistoryInput }> {
  const scenario = loadScenario(name);
  const path = join(dir, `${name}.db`);
  const r = await runReplay(scenario, { store: { path } });
  const config = scenarioToConfig(scenario, () => 'http://sim.invalid/', { port: 0 });
  const store = await openStore({ path });
  try {
    const records = await readHistory(store, { now: scenario.end });
    return { r, input: historyInput(config, new Map(config.services.map((s) => [s.id, scenario.start])), records, scenario.end) };
  } finally {
    await store.close();
  }
}

describe('history of the replays', () => {
  let dir: string;
  let us: { r: ReplayResult; input: HistoryInput };
  let evening: { r: ReplayResult; input: HistoryInput };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-history-replay-'));
    us = await replayHistory('unacknowledged-us', dir);
    evening = await replayHistory('correlated-evening', dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('unacknowledged US outage: one outage, its downtime, MTTx and the vendor green for 2 h 35 min', () => {
    const h = serviceHistory(us.input, 'chatgpt')!;
    const w = h.report.windows[0]!;
    const inc = us.r.incidents.find((i) => i.service === 'chatgpt')!;
    assert.equal(w.outages, 1);
    // The fault: every ChatGPT component failing in the United States only (one region of three: a
    // partial outage) from 18:30 to 21:45, 3 h 15 min; detection and recovery within 2 min each.
    assert.equal(w.majorOutages, 0);
    near(w.partialMs, 195 * MIN, 2 * MIN, 'partial outage time');
    assert.equal(w.majorMs, 0);
    assert.equal(w.downtimeMs, 0.3 * w.partialMs);
    // The figures are the incident's own (src/incidents/figures.ts), as the replay reports them.
    assert.equal(w.timeToDetect.meanMs, inc.timeToDetectSeconds! * 1000);
    assert.equal(w.timeToAcknowledge.meanMs, 155 * MIN); // 16:05 EST, 2 h 35 min after 13:30 EST
    assert.equal(w.timeToResolve.meanMs, Date.parse(inc.resolvedAt!) - Date.parse(inc.observedStart!));
    // The tracked time is the replay's window, 4 h 15 min.
    assert.equal(w.trackedMs, 255 * MIN);
    assert.equal(w.availability, 1 - w.downtimeMs / (255 * MIN));
    assert.equal(h.report.calendar.days.find((d) => d.date === '2024-12-26')!.worst, 'partial_outage');
    // The official page said operational until OpenAI's statement at 21:05 UTC; polled every minute.
    const [v] = vendorHonesty(us.input, outagesOf(us.input.incidents));
    near(v!.saidOperationalMs, 155 * MIN, 2 * MIN, 'time said operational while down');
    assert.equal(v!.acknowledged, 1);
    assert.equal(v!.neverAcknowledged, 0);
  });

  it('correlated evening: Meta, ChatGPT and Siri grouped, Siri downstream of ChatGPT, errors read from the checks', () => {
    const outages = outagesOf(evening.input.incidents);
    const groups = correlatedOutages(evening.input, outages);
    assert.equal(groups.length, 1);
    const g = groups[0]!;
    assert.deepEqual(g.services.map((s) => s.serviceId), ['meta', 'chatgpt', 'siri']);
    assert.ok(g.patterns.some((p) => p.kind === 'dependency' && p.upstream === 'chatgpt' && p.downstream.includes('siri')), JSON.stringify(g.patterns));
    // Every region failed: no regional (network) pattern.
    assert.ok(!g.patterns.some((p) => p.kind === 'network' || p.kind === 'region'), JSON.stringify(g.patterns));
    const sig = evening.input.signals.get(evening.r.incidents.find((i) => i.service === 'chatgpt')!.id)!;
    assert.deepEqual(sig.probedRegions, ['asia', 'eu', 'us']);
    assert.deepEqual(sig.regions, ['asia', 'eu', 'us']);
    // Meta: 20:50 to 22:26 (1 h 36 min), all three apps.
    const meta = serviceHistory(evening.input, 'meta')!.report.windows[0]!;
    near(meta.majorMs + meta.partialMs, 96 * MIN, 2 * MIN, 'Meta outage time');
    // The outage crosses midnight: on the calendar, both days.
    const chat = serviceHistory(evening.input, 'chatgpt')!;
    assert.equal(chat.report.calendar.days.find((d) => d.date === '2024-12-11')!.worst, 'major_outage');
    assert.notEqual(chat.report.calendar.days.find((d) => d.date === '2024-12-12')!.worst, 'operational');
    // Siri's page says why.
    const siri = serviceHistory(evening.input, 'siri')!;
    assert.deepEqual(siri.dependsOn.map((d) => d.id), ['chatgpt/api']);
    assert.deepEqual(serviceHistory(evening.input, 'chatgpt')!.dependents.map((d) => d.serviceId), ['siri']);
  });
});
