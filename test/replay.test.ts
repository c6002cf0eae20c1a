// The four replays of SCENARIOS.md, each in simulated time through the real detection, incident engine,
// vendor-status reading and store: the figures the issue asks for, and every `expect:` entry of the file.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadScenario } from '../src/demo/scenario.js';
import { type ReplayResult, runReplay } from '../src/replay/replay.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

function replaySuite(name: string, figures: (r: ReplayResult) => void): void {
  describe(`replay ${name}`, () => {
    let r: ReplayResult;
    before(async () => {
      r = await runReplay(loadScenario(name));
    });
    it('gives the figures the issue asks for', () => figures(r));
    it('opens no false incident', () => assert.equal(r.falseIncidents, 0, JSON.stringify(r.incidents.filter((i) => i.false))));
    for (const [i, e] of loadScenario(name).expect.entries()) {
      it(`expect[${i}]`, () => {
        const got = r.expectations[i]!;
        assert.ok(got.pass, `${got.expectation}: ${got.detail} (${e.note ?? 'no note'})`);
      });
    }
  });
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

replaySuite('correlated-evening', (r) => {
  assert.ok(r.timeToDetectSeconds !== null && r.timeToDetectSeconds <= 120, `detected in ${r.timeToDetectSeconds} s`);
  for (const d of r.detections) assert.ok(d.seconds !== null && d.seconds <= 120, `fault ${d.fault} detected in ${d.seconds} s`);
  const meta = r.incidents.find((i) => i.service === 'meta')!;
  const chatgpt = r.incidents.find((i) => i.service === 'chatgpt')!;
  assert.ok(meta && chatgpt, 'one incident for Meta, one for ChatGPT');
  assert.deepEqual(chatgpt.components, ['chatgpt/api', 'chatgpt/app', 'chatgpt/sora', 'chatgpt/web']);
  assert.ok(seconds(meta.openedAt) < seconds(chatgpt.openedAt), 'Meta fails first');
  assert.ok(seconds(meta.resolvedAt!) <= seconds('2024-12-11T22:45:00Z'), `Meta resolved ${meta.resolvedAt}`);
  assert.ok(seconds(chatgpt.openedAt) - seconds('2024-12-11T23:07:00Z') <= 5 * 60, `ChatGPT incident opened ${chatgpt.openedAt}`);
  assert.ok(chatgpt.resolvedAt !== null && seconds(chatgpt.resolvedAt) > seconds('2024-12-12T04:05:00Z'), 'resolved after the last region is back');
  assert.equal(chatgpt.acknowledgedAt, '2024-12-11T23:16:00Z', "OpenAI's first word");
  assert.equal(r.silentVendorFlagged, false, 'both vendors spoke within minutes');
});

replaySuite('unacknowledged-us', (r) => {
  assert.ok(r.timeToDetectSeconds !== null && r.timeToDetectSeconds <= 120, `detected in ${r.timeToDetectSeconds} s`);
  assert.equal(r.incidents.length, 1);
  const [i] = r.incidents;
  assert.ok(seconds(i!.openedAt) <= seconds('2024-12-26T18:35:00Z'), `declared by Vigie at ${i!.openedAt}`);
  assert.equal(i!.acknowledgedAt, '2024-12-26T21:05:00Z', 'the vendor confirmed at 16:05 EST');
  // Observed from the first failed check at 13:30 EST; the vendor's first word at 16:05 EST.
  assert.equal(r.acknowledgementLagSeconds, 9300, 'lag of 2 h 35 min');
  assert.equal(r.silentVendorFlagged, true, 'green for 2.5 h while down: flagged before the vendor spoke');
  assert.ok(seconds(i!.silentVendorAt!) < seconds('2024-12-26T21:05:00Z'));
});

replaySuite('dependency-failure', (r) => {
  assert.ok(r.timeToDetectSeconds !== null && r.timeToDetectSeconds <= 120);
  assert.deepEqual(r.incidents.map((i) => i.components), [['bing/search'], ['chatgpt/web-results']], 'the search provider and the feature that needs it; not the chat');
  assert.ok(!r.incidents.some((i) => i.components.includes('chatgpt/web') || i.components.includes('chatgpt/api')), 'no incident for brief slowdowns or scattered timeouts');
  assert.equal(r.acknowledgementLagSeconds, null);
  assert.equal(r.silentVendorFlagged, false);
});

replaySuite('silent-vendor', (r) => {
  assert.ok(r.timeToDetectSeconds !== null && r.timeToDetectSeconds <= 120);
  assert.equal(r.incidents.length, 1);
  assert.equal(r.incidents[0]!.acknowledgedAt, null, 'the vendor never spoke');
  assert.equal(r.acknowledgementLagSeconds, null);
  assert.equal(r.silentVendorFlagged, true);
});

describe('vigie replay (the command)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-replay-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints exactly one JSON object with --json, and takes a path', async () => {
    const file = join(dir, 'tiny.yaml');
    await writeFile(
      file,
      [
        'name: tiny',
        'title: Tiny',
        'start: 2024-01-01T10:00:00Z',
        'end: 2024-01-01T10:30:00Z',
        'regions: [us, eu]',
        'services:',
        '  - { id: svc, name: Svc, components: [{ id: web, name: Web }] }',
        'faults:',
        '  - { target: svc/web, from: 2024-01-01T10:05:00Z, until: 2024-01-01T10:10:00Z, mode: error_500, note: "test" }',
        'vendor:',
        '  - { at: 2024-01-01T10:00:00Z, service: svc, status: operational }',
        '  - { at: 2024-01-01T10:08:00Z, service: svc, status: investigating, body: "Looking into it." }',
        'expect:',
        '  - { component: svc/web, status: major_outage, by: 2024-01-01T10:06:00Z }',
        '  - { incident: opened, target: svc, by: 2024-01-01T10:08:00Z }',
        '  - { ack_lag: 3m, tolerance: 1m, service: svc }',
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'replay', file, '--json'], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const r = JSON.parse(lines[0]!) as ReplayResult;
    for (const k of ['scenario', 'timeToDetectSeconds', 'incidents', 'falseIncidents', 'acknowledgementLagSeconds', 'silentVendorFlagged']) assert.ok(k in r, k);
    assert.equal(r.scenario, 'tiny');
    assert.equal(r.timeToDetectSeconds, 30);
    assert.deepEqual(
      r.incidents.map((i) => [i.component, i.openedAt, i.resolvedAt, i.impact]),
      [['svc/web', '2024-01-01T10:07:30Z', '2024-01-01T10:25:30Z', 'major']],
    );
    assert.equal(r.acknowledgementLagSeconds, 180, "from the first failed check at 10:05 to the vendor at 10:08");
    assert.equal(r.passed, true, JSON.stringify(r.expectations));
  });

  it('exits 1 when an expectation fails and 2 for an unknown scenario', async () => {
    const file = join(dir, 'wrong.yaml');
    await writeFile(
      file,
      [
        'name: wrong',
        'title: Wrong',
        'start: 2024-01-01T10:00:00Z',
        'end: 2024-01-01T10:20:00Z',
        'regions: [us]',
        'services:',
        '  - { id: svc, name: Svc, components: [{ id: web, name: Web }] }',
        'expect:',
        '  - { component: svc/web, status: major_outage, by: 2024-01-01T10:06:00Z, note: "nothing fails, so this cannot hold" }',
      ].join('\n'),
    );
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    const failed = await run(['replay', file]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /FAIL {2}svc\/web is major_outage by 2024-01-01T10:06:00Z \(was operational\)/);
    const unknown = await run(['replay', 'no-such-scenario']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown scenario "no-such-scenario"/);
  });
});

test('the replay is deterministic', async () => {
  const a = await runReplay(loadScenario('silent-vendor'));
  const b = await runReplay(loadScenario('silent-vendor'));
  const strip = (r: ReplayResult) => ({ ...r, incidents: r.incidents.map(({ id: _id, ...i }) => i) });
  assert.deepEqual(strip(a), strip(b));
});
