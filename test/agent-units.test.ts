// The pure parts of agents: monitor regions as scheduled units, the rendezvous split, the disk
// buffer (bounded, oldest dropped first and counted, whole across restarts), silent regions in detection.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DiskBuffer } from '../src/agent/buffer.js';
import { rendezvous } from '../src/agent/rendezvous.js';
import type { WireObservation } from '../src/agent/protocol.js';
import { parseConfigText } from '../src/config/load.js';
import { agentRegions, splitByRunner } from '../src/config/regions.js';
import { configSchema, toEntities } from '../src/config/schema.js';
import { Detector } from '../src/detect/detector.js';

const svc = (monitors: unknown[]) => [{ id: 's', name: 'S', components: [{ id: 'c', name: 'C', monitors }] }];

describe('monitor regions', () => {
  it('a regions list makes one unit per region; a single region label keeps its plain id and runs locally', () => {
    const cfg = configSchema.parse({
      regions: ['ap-south'],
      services: svc([
        { name: 'multi', url: 'http://127.0.0.1/', regions: ['local', 'us-east', 'eu-west'] },
        { name: 'old', url: 'http://127.0.0.1/', region: 'us-west' },
        { name: 'plain', url: 'http://127.0.0.1/' },
        { name: 'far', url: 'http://127.0.0.1/', region: 'ap-south' },
      ]),
    });
    const e = toEntities(cfg);
    assert.deepEqual(
      e.monitors.map((m) => [m.id, m.region]),
      [
        ['s/c/multi@local', 'local'],
        ['s/c/multi@us-east', 'us-east'],
        ['s/c/multi@eu-west', 'eu-west'],
        ['s/c/old', 'us-west'],
        ['s/c/plain', 'local'],
        ['s/c/far', 'ap-south'],
      ],
    );
    const regions = agentRegions(cfg);
    assert.deepEqual(regions, ['ap-south', 'eu-west', 'us-east']);
    const { local, remote } = splitByRunner(e.monitors, new Set(regions));
    assert.deepEqual(local.map((m) => m.id), ['s/c/multi@local', 's/c/old', 's/c/plain']);
    assert.deepEqual(remote.map((m) => m.id), ['s/c/multi@us-east', 's/c/multi@eu-west', 's/c/far']);
  });

  it('config errors name the monitor: both region and regions, a region twice, a heartbeat away from the server, "local" as an agent region', () => {
    const r = parseConfigText(
      [
        'regions: [local]',
        'services:',
        '  - id: s',
        '    name: S',
        '    components:',
        '      - id: c',
        '        name: C',
        '        monitors:',
        '          - { name: a, url: "http://127.0.0.1/", region: eu-west, regions: [eu-west] }',
        '          - { name: b, url: "http://127.0.0.1/", regions: [eu-west, eu-west] }',
        '          - { name: h, type: heartbeat, token: abcdefgh12, regions: [eu-west] }',
      ].join('\n'),
      'vigie.yaml',
    );
    assert.ok(!r.ok);
    const byPath = new Map(r.errors.map((e) => [e.path, e.message]));
    assert.match(byPath.get('regions[0]')!, /"local" is the server itself/);
    assert.match(byPath.get('services[0].components[0].monitors[0].regions')!, /either "region" or "regions"/);
    assert.match(byPath.get('services[0].components[0].monitors[1].regions')!, /lists a region twice/);
    assert.match(byPath.get('services[0].components[0].monitors[2].regions')!, /heartbeat monitor/);
    assert.equal(r.errors[1]!.line, 9, 'errors carry the line of the monitor');
  });
});

describe('rendezvous split', () => {
  const monitors = Array.from({ length: 600 }, (_, i) => `svc/c/m${i}@eu-west`);
  it('gives every monitor to exactly one agent, roughly evenly', () => {
    const split = rendezvous(monitors, ['a', 'b', 'c']);
    const all = [...split.values()].flat().sort();
    assert.deepEqual(all, [...monitors].sort());
    for (const ids of split.values()) assert.ok(ids.length > 120 && ids.length < 280, `uneven split: ${ids.length}`);
  });
  it('when an agent leaves only its monitors move; when one joins only monitors it takes move', () => {
    const three = rendezvous(monitors, ['a', 'b', 'c']);
    const two = rendezvous(monitors, ['a', 'b']);
    for (const m of three.get('a')!) assert.ok(two.get('a')!.includes(m));
    for (const m of three.get('b')!) assert.ok(two.get('b')!.includes(m));
    const four = rendezvous(monitors, ['a', 'b', 'c', 'd']);
    for (const agent of ['a', 'b', 'c']) for (const m of four.get(agent)!) assert.ok(three.get(agent)!.includes(m));
  });
  it('no agents: nothing assigned', () => {
    assert.equal(rendezvous(monitors, []).size, 0);
  });
});

describe('disk buffer', () => {
  const obs = (n: number, from = 0): WireObservation[] =>
    Array.from({ length: n }, (_, i) => ({ monitor_id: 'm', at: 1_700_000_000_000 + (from + i) * 1000, ok: true, degraded: false, phases: { total_ms: 1 } }));

  it('keeps batches in order across a restart, and the sequence goes on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-buf-'));
    try {
      const b = new DiskBuffer(dir, 1000);
      assert.equal(b.append(obs(3)), 1);
      assert.equal(b.append(obs(2, 3)), 2);
      const stream = b.stream;
      const again = new DiskBuffer(dir, 1000);
      assert.equal(again.stream, stream);
      assert.equal(again.backlog, 5);
      assert.equal(again.oldest()!.seq, 1);
      again.ack(1);
      assert.equal(again.oldest()!.seq, 2);
      assert.equal(again.append(obs(1, 5)), 3);
      again.ack(2);
      again.ack(3);
      assert.equal(again.backlog, 0);
      assert.equal(new DiskBuffer(dir, 1000).append(obs(1, 6)), 4, 'sequence numbers are never reused, even once every batch is acknowledged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a batch file that cannot be read back is dropped and counted, and does not block the next', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-buf-'));
    try {
      const b = new DiskBuffer(dir, 1000);
      b.append(obs(2));
      b.append(obs(3, 2));
      const first = readdirSync(dir).find((f) => f.startsWith('b-000000000001'))!;
      writeFileSync(join(dir, first), '{"seq":1,"observ');
      const again = new DiskBuffer(dir, 1000);
      assert.equal(again.oldest()!.seq, 2);
      assert.equal(again.dropped, 2);
      assert.equal(again.backlog, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('past its bound drops the oldest batches first and counts what it dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-buf-'));
    try {
      const b = new DiskBuffer(dir, 10);
      for (let i = 0; i < 6; i++) b.append(obs(3, i * 3));
      assert.equal(b.backlog, 9);
      assert.equal(b.dropped, 9);
      assert.equal(b.oldest()!.seq, 4);
      assert.equal(b.oldest()!.observations[0]!.at, 1_700_000_000_000 + 9 * 1000);
      const again = new DiskBuffer(dir, 10);
      assert.equal(again.dropped, 9, 'the dropped count survives a restart');
      assert.equal(readdirSync(dir).filter((f) => f.startsWith('b-')).length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('silent regions in detection', () => {
  it('a region with no data leaves the quorum; all regions silent keeps the status it had', () => {
    const cfg = configSchema.parse({ services: svc([{ name: 'm', url: 'http://127.0.0.1/', regions: ['us-east', 'eu-west'] }]), defaults: { failures_to_down: 1 } });
    const e = toEntities(cfg);
    const d = new Detector({ failuresToDown: 1, successesToUp: 1 });
    d.load(e.components, e.monitors, new Map());
    const fail = (id: string, at: number) => d.observe({ monitorId: id, region: id.split('@')[1]!, at, ok: false, degraded: false, phases: { totalMs: 1 }, error: { kind: 'connect', message: 'refused' } });
    assert.equal(fail('s/c/m@us-east', 1)[0]?.to, 'partial_outage');
    // eu-west goes silent: the only region heard from is failing, so the component is down there, everywhere we know.
    assert.equal(d.setSilentRegions(['eu-west'], 2)[0]?.to, 'major_outage');
    // Everything silent: no evidence either way, the status stays.
    assert.deepEqual(d.setSilentRegions(['eu-west', 'us-east'], 3), []);
    assert.equal(d.status('s/c'), 'major_outage');
    assert.equal(d.setSilentRegions([], 4)[0]?.to, 'partial_outage');
  });
});
