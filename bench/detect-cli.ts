// `vigie detect` throughput: rows per second through the real command (process start included),
// on a generated minute series with a daily rhythm and noise, ISO-like timestamps, decimals.
//
//   node dist/bench/detect-cli.js [--quick] [--rows N]
import { runMain } from './lib/proc.js';
import { spawn } from 'node:child_process';
import { createWriteStream, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const ri = args.indexOf('--rows');
const ROWS = ri >= 0 ? Number(args[ri + 1]) : quick ? 1_000_000 : 10_000_000;
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

async function generate(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('timestamp,value\n');
  const start = Date.UTC(2024, 0, 1);
  let s = 12345;
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const t = start + i * 60_000;
    const v = 100 + 50 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000) + (s / 4294967296) * 10;
    buf += new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ',' + v.toFixed(2) + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-detect-'));
  const file = join(dir, 'series.csv');
  await generate(file);
  const bytes = (await stat(file)).size;
  const runs: number[] = [];
  let rowsOut = 0;
  for (let k = 0; k < (quick ? 1 : 3); k++) {
    const outFile = join(dir, 'out.csv');
    const fd = openSync(outFile, 'w');
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'detect', '--input', file], { stdio: ['ignore', fd, 'inherit'] });
    const [code] = (await once(child, 'exit')) as [number];
    const ms = performance.now() - t0;
    closeSync(fd);
    if (code !== 0) throw new Error(`vigie detect exited with ${code}`);
    runs.push(ms);
    const outBytes = (await stat(outFile)).size;
    rowsOut = Math.round(outBytes / ((bytes / ROWS) + 7)); // approximate; rows checked by the tests
  }
  await rm(dir, { recursive: true, force: true });
  const best = Math.min(...runs);
  const result = {
    bench: 'detect-cli',
    quick,
    rows: ROWS,
    input_mb: Math.round(bytes / 1e5) / 10,
    runs_ms: runs.map((x) => Math.round(x)),
    best_ms: Math.round(best),
    rows_per_s: Math.round(ROWS / (best / 1000)),
    approx_rows_out: rowsOut,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.stdout.write(`vigie detect scored ${ROWS.toLocaleString('en')} rows (${result.input_mb} MB) in ${result.best_ms} ms best of ${runs.length}, process start included: ${result.rows_per_s.toLocaleString('en')} rows/s.\n`);
}

runMain(() => main());
