// "Time to detect" is one figure (src/incidents/figures.ts): start of the problem → Vigie's first
// non-operational status. The replay summary, the replay's incidents, the admin API and the incident page
// show the same number.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { loadScenario } from '../src/demo/scenario.js';
import { duration } from '../src/i18n/index.js';
import { timeToDetect } from '../src/incidents/figures.js';
import { runReplay } from '../src/replay/replay.js';
import { ADMIN, startSite } from './web-helpers.js';
import { waitFor } from './helpers/wait.js';

test('the definition: fault start where known, else the first failed check, to the first non-operational status', () => {
  assert.equal(timeToDetect(1000, 5000, 31_000), 30_000);
  assert.equal(timeToDetect(null, 5000, 35_000), 30_000);
  assert.equal(timeToDetect(null, null, 35_000), null);
  assert.equal(timeToDetect(1000, null, null), null);
});

test('the replay summary and the replay incident give the same time to detect, not the time to open', { timeout: 120_000 }, async () => {
  const r = await runReplay(loadScenario('correlated-evening'));
  const first = r.incidents[0]!;
  assert.ok(r.timeToDetectSeconds !== null && r.timeToDetectSeconds <= 90, `summary ${r.timeToDetectSeconds}`);
  assert.equal(first.timeToDetectSeconds, r.timeToDetectSeconds, 'the first incident is the first fault: same figure');
  assert.ok(first.timeToOpenSeconds! > first.timeToDetectSeconds!, 'opening the incident comes after detection (grace period)');
});

test('the admin API and the incident page show the same time to detect', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-ttd-'));
  const site = await startSite(dir);
  try {
    site.failing.add('us').add('eu');
    const listed = await waitFor('an incident opened', async () => {
      const r = await request(`${site.base}/api/admin/incidents`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const j = (await r.body.json()) as any;
      const list = j.incidents ?? j.data ?? j;
      return Array.isArray(list) && list.length > 0 ? list[0] : undefined;
    }, 30_000, 100);
    const figures = listed.figures;
    const secs: number | null = figures.timeToDetectSeconds ?? figures.time_to_detect_seconds;
    assert.equal(typeof secs, 'number');
    const detectedAt = figures.detectedAt ?? figures.detected_at;
    assert.ok(detectedAt, 'the detection time is given');
    const html = await waitFor('the incident page', async () => {
      const r = await request(`${site.base}/incidents/${listed.id}`);
      return r.statusCode === 200 ? r.body.text() : (await r.body.dump(), undefined);
    });
    const shown = /data-figure="time-to-detect">([^<]*)</.exec(html)?.[1];
    assert.equal(shown, duration('en', secs! * 1000));
  } finally {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});
