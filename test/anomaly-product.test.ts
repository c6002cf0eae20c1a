// The detector as the product uses it: `detection.false_alarms` in the config (old z thresholds
// refused with a message), the crowd level's thresholds derived from it, the latency watch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatConfigError, parseConfigText } from '../src/config/load.js';
import { parseFalseAlarms } from '../src/detect/anomaly/alarms.js';
import { DEFAULT_LEVEL_SETTINGS, LevelState, MinuteSeries, levelThresholds } from '../src/signals/reports/signal.js';
import { LatencyWatch } from '../src/signals/reports/latency.js';
import { seededRandom as rng } from '../src/core/random.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 2, 3);
const base = 'site:\n  title: Test\n';

describe('detection.false_alarms', () => {
  test('read from the config, "1/30d" by default; nonsense and old z thresholds are refused with a message', () => {
    const def = parseConfigText(base, 'vigie.yaml', {});
    assert.ok(def.ok, JSON.stringify(!def.ok && def.errors));
    assert.equal(def.config.detection.false_alarms, '1/30d');
    const set = parseConfigText(base + 'detection:\n  false_alarms: 2/7d\n', 'vigie.yaml', {});
    assert.ok(set.ok);
    assert.deepEqual(parseFalseAlarms(set.config.detection.false_alarms), { count: 2, per: 7 * 86_400_000 });
    for (const [text, words] of [
      ['detection:\n  false_alarms: often\n', /1\/30d/],
      ['detection:\n  false_alarms: 0/30d\n', /more than 0/],
      ['detection:\n  z_threshold: 4\n', /false_alarms/],
    ] as const) {
      const r = parseConfigText(base + text, 'vigie.yaml', {});
      assert.equal(r.ok, false, text);
      const msg = !r.ok ? r.errors.map(formatConfigError).join('\n') : '';
      assert.match(msg, words, msg);
      assert.match(msg, /detection\.(false_alarms|z_threshold)/, msg);
    }
  });

  test('the crowd level thresholds follow the rate: the default keeps the former z ≈ 4 and 5; rarer alarms need more', () => {
    const d = levelThresholds(parseFalseAlarms('1/30d')!);
    assert.ok(d.possible > 3.9 && d.possible < 4.2, `possible at z ${d.possible}`);
    assert.ok(d.detected > 4.9 && d.detected < 5.3, `detected at z ${d.detected}`);
    const rare = levelThresholds(parseFalseAlarms('1/365d')!);
    assert.ok(rare.possible > d.possible && rare.detected > d.detected);
  });

  test('a crowd series with no surge stays at "none" for days; a surge reaches "detected"', () => {
    const r = rng(3);
    const series = new MinuteSeries(Math.floor(T0 / MIN));
    const st = new LevelState(DEFAULT_LEVEL_SETTINGS, T0);
    let raised = 0;
    const poisson = (lam: number) => {
      let k = 0;
      let p = 1;
      const L = Math.exp(-lam);
      for (;;) {
        p *= r();
        if (p <= L) return k;
        k++;
      }
    };
    const end = T0 + 14 * 1440 * MIN;
    for (let t = T0; t < end; t += MIN) {
      series.add(Math.floor(t / MIN), poisson(4 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400_000))));
      st.evaluate(series, t + MIN - 1);
      if (t > T0 + 7 * 1440 * MIN && st.level !== 'none') raised++;
    }
    assert.ok(raised <= 30, `${raised} minutes above "none" in a quiet week`);
    for (let t = end; t < end + 10 * MIN; t += MIN) {
      series.add(Math.floor(t / MIN), 60);
      st.evaluate(series, t + 30_000);
      st.evaluate(series, t + MIN - 1);
    }
    assert.equal(st.level, 'detected');
  });
});

describe('latency watch', () => {
  test('follows detection.false_alarms; a lasting slowdown becomes the new usual', () => {
    const r = rng(5);
    const w = new LatencyWatch();
    w.configure('1/30d');
    let flagged = 0;
    let i = 0;
    for (; i < 3000; i++) if (w.slow('m', T0 + i * 30_000, 180 * Math.exp(0.1 * (r() - 0.5)))) flagged++;
    assert.equal(flagged, 0);
    const slow: boolean[] = [];
    for (let k = 0; k < 600; k++, i++) slow.push(w.slow('m', T0 + i * 30_000, 1500 * Math.exp(0.1 * (r() - 0.5))));
    assert.ok(slow.slice(0, 5).some(Boolean), 'the slowdown is flagged at once');
    assert.ok(!slow.slice(300).some(Boolean), 'after hours of it, it is the usual');
  });
});
