// `vigie detect` as people run it: a subprocess reading messy CSV from a file or stdin.
import assert from 'node:assert/strict';

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseTimestamp, parseValue } from '../src/cli/detect.js';
import { scoreThreshold } from '../src/detect/anomaly/alarms.js';
import { runCli } from './helpers/cli.js';

const run = (args: string[], stdin?: string) => runCli(args, stdin === undefined ? {} : { stdin });

const ts = (s: string) => parseTimestamp(Buffer.from(s), 0, s.length);

describe('vigie detect', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'vigie-detect-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('timestamps: ISO 8601 with fractions and offsets, space-separated, bare dates, epoch seconds and ms', () => {
    const t = Date.UTC(2024, 11, 11, 23, 7, 0);
    assert.equal(ts('2024-12-11T23:07:00Z'), t);
    assert.equal(ts('2024-12-11 23:07:00'), t);
    assert.equal(ts('2024-12-11T23:07'), t);
    assert.equal(ts('2024-12-11T23:07:00.250Z'), t + 250);
    assert.equal(ts('2024-12-12T00:07:00+01:00'), t);
    assert.equal(ts('2024-12-11T18:07:00-0500'), t);
    assert.equal(ts('2024-12-11'), Date.UTC(2024, 11, 11));
    assert.equal(ts(String(t / 1000)), t);
    assert.equal(ts(String(t)), t);
    assert.equal(ts('2024-02-29 00:00:00'), Date.UTC(2024, 1, 29));
    for (const bad of ['2023-02-29 00:00:00', '2024-13-01', '2024-12-11 25:00:00', 'yesterday', '12/11/2024 23:07', ''])
      assert.ok(Number.isNaN(ts(bad)), bad);
  });

  test('values: integers, decimals, signs, exponents; empty and NaN are missing; words are errors', () => {
    const v = (s: string) => parseValue(Buffer.from(s), 0, s.length);
    assert.equal(v('42'), 42);
    assert.equal(v('-3.25'), -3.25);
    assert.equal(v('1.5e3'), 1500);
    assert.equal(v('.5'), 0.5);
    assert.ok(Number.isNaN(v('')!));
    assert.ok(Number.isNaN(v('NaN')!));
    assert.ok(Number.isNaN(v('null')!));
    assert.equal(v('lots'), undefined);
    assert.equal(v('1.2.3'), undefined);
  });

  test('a messy file: header, CRLF, quotes, blank lines, gaps, repeated and irregular timestamps; one row out per row in', async () => {
    const lines = ['"timestamp","value"'];
    const start = Date.UTC(2024, 0, 1);
    let n = 0;
    for (let i = 0; i < 3000; i++) {
      if (i >= 1000 && i < 1200) continue; // a gap
      const t = start + i * 60_000 + (i % 7) * 1000; // irregular
      const v = 50 + 20 * Math.sin((2 * Math.PI * i) / 1440) + (i % 5);
      const stamp = i % 3 === 0 ? new Date(t).toISOString() : new Date(t).toISOString().replace('T', ' ').slice(0, 19);
      lines.push(i % 4 === 0 ? `"${stamp}",${v.toFixed(2)}` : `${stamp},${Math.round(v)}`);
      n++;
      if (i === 2000) {
        lines.push(`${stamp},${Math.round(v)}`); // the same timestamp twice
        n++;
        lines.push('');
      }
    }
    lines.push(`${new Date(start + 3000 * 60_000).toISOString()},500`); // an anomaly at the end
    n++;
    const file = join(dir, 'messy.csv');
    await writeFile(file, lines.join('\r\n')); // CRLF, and no final newline
    const r = await run(['detect', '--input', file]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n');
    assert.equal(out[0], 'timestamp,value,anomaly_score');
    assert.equal(out.length - 1, n);
    for (const row of out.slice(1)) assert.match(row, /^[^,"\r]+,[^,"\r]+,(0\.\d{4}|1\.0000)$/);
    const scores = out.slice(1).map((row) => Number(row.split(',')[2]));
    // Scores are on a log scale: past the 1/30d threshold means "one minute in 30 days by chance".
    const th = scoreThreshold({ count: 1, per: 30 * 86_400_000 }, 60_000);
    const high = scores.slice(0, -1).filter((s) => s >= th).length;
    assert.ok(high <= 3, `ordinary rows score low (${high} past ${th.toFixed(3)})`);
    assert.ok(scores.at(-1)! > 0.9, `the spike scores high (${scores.at(-1)})`);
    // Same order as the input.
    assert.equal(out[1]!.split(',')[0], new Date(start).toISOString());
    assert.equal(out.at(-1)!.split(',')[1], '500');
  });

  test('stdin with "-", semicolons, no header', async () => {
    const r = await run(['detect', '--input', '-'], '2024-01-01 00:00:00;1\n2024-01-01 00:01:00;2\n2024-01-01 00:02:00;\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'timestamp,value,anomaly_score\n2024-01-01 00:00:00,1,0.0000\n2024-01-01 00:01:00,2,0.0000\n2024-01-01 00:02:00,,\n');
  });

  test('a row it cannot read: exit 1 and the line named on stderr', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,2\n2024-01-01 00:02:00,three\n2024-01-01 00:03:00,4\n');
    const r = await run(['detect', '--input', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.csv:4: cannot read value "three"/);
    const r2 = await run(['detect', '--input', '-'], 'timestamp,value\n2024-01-01 00:00:00,1\nnot a date,2\n');
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /stdin:3: cannot read timestamp "not a date"/);
    const r3 = await run(['detect', '--input', join(dir, 'missing.csv')]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /no such file/);
  });

  test('--explain writes one JSON line per flagged stretch: when, what was expected, what was seen, why', async () => {
    const lines = ['timestamp,value'];
    const start = Date.UTC(2024, 0, 1);
    let s = 7;
    const noise = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5) * 4;
    for (let i = 0; i < 3000; i++) {
      const surge = i >= 2500 && i < 2520 ? 60 : 0; // 20 minutes far above the usual ~100 ± 1
      lines.push(`${new Date(start + i * 60_000).toISOString()},${(100 + noise() + surge).toFixed(2)}`);
    }
    const file = join(dir, 'surge.csv');
    const explain = join(dir, 'explain.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const r = await run(['detect', '--input', file, '--explain', explain]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 3001, 'the scores are still written, one row per row');
    const stretches = (await readFile(explain, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    const surge = stretches.find((x) => x.from === new Date(start + 2500 * 60_000).toISOString());
    assert.ok(surge, JSON.stringify(stretches));
    assert.ok(surge.expected > 95 && surge.expected < 105, `expected ${surge.expected}`);
    assert.ok(surge.seen > 150, `seen ${surge.seen}`);
    assert.match(surge.why, /expected|usual/);
    assert.ok(stretches.length <= 4, `${stretches.length} stretches`);
    const bad = await run(['detect', '--input', file, '--false-alarms', 'sometimes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--false-alarms must be a rate such as 1\/30d/);
  });
});
