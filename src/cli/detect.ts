// `vigie detect`: the streaming anomaly detector (src/detect/anomaly) over any `timestamp,value`
// series. Scores are on a log scale and mean the same on every series (see score.ts); `--explain`
// writes one JSON line per flagged stretch (score past the `--false-alarms` threshold).
//
// The parsing is written by hand over bytes, on purpose: a CSV library plus Date parsing costs
// several microseconds a row, and the target is over a million rows a second. Each chunk is scanned
// once; fields are located by index, numbers and dates are decoded from the bytes, and output rows
// are written into a byte buffer (the input's timestamp and value bytes, copied as they were, then
// the score with four decimals).
//
// Reads: an optional header line; "," ";" or tab between fields (from the first line); fields in
// double quotes; ISO 8601 (2024-12-11T23:07:00Z, with fractions and offsets), "YYYY-MM-DD HH:MM:SS",
// a bare date, or epoch seconds / milliseconds; integer, decimal or exponent values; LF or CRLF;
// blank lines (skipped); extra columns (ignored); empty, NaN, null or NA values (echoed, empty score).
// A row it cannot read stops the run with an error naming the line.
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { AnomalyDetector, type Direction } from '../detect/anomaly/detector.js';
import { type FalseAlarmRate, parseFalseAlarms, scoreThreshold } from '../detect/anomaly/alarms.js';
import { type Stretch, Stretches } from '../detect/anomaly/explain.js';

export class DetectInputError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'DetectInputError';
  }
}

export interface DetectOptions {
  direction?: Direction;
  /** Receives each flagged stretch (--explain). */
  onStretch?: (s: Stretch) => void;
  /** Sets the threshold of a flagged stretch. Default 1/30d. */
  falseAlarms?: FalseAlarmRate;
}

const CR = 13;
const LF = 10;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
const OUT_SIZE = 1 << 20;
const HEADER = Buffer.from('timestamp,value,anomaly_score\n');

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function digit(b: Buffer, i: number): number {
  const c = b[i]! - 48;
  return c >= 0 && c <= 9 ? c : -1;
}
function two(b: Buffer, i: number): number {
  const a = digit(b, i);
  const c = digit(b, i + 1);
  return a < 0 || c < 0 ? -1 : a * 10 + c;
}

/** Epoch ms of the timestamp in b[s, e), or NaN when it is not one we read. */
export function parseTimestamp(b: Buffer, s: number, e: number): number {
  const len = e - s;
  if (len <= 0) return NaN;
  // Epoch seconds (9-11 digits, optional fraction) or milliseconds (12-14 digits).
  if (len >= 9 && b[s + 4] !== 45 /* - */) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const d = digit(b, i);
      if (d < 0) break;
      v = v * 10 + d;
    }
    const nd = i - s;
    if (i === e) return nd <= 11 && nd >= 9 ? v * 1000 : nd >= 12 && nd <= 14 ? v : NaN;
    if (b[i] === 46 && nd >= 9 && nd <= 11) {
      const f = Number(b.toString('latin1', i, e));
      return f === f ? Math.round((v + f) * 1000) : NaN;
    }
    return NaN;
  }
  if (len < 10) return NaN;
  const y0 = two(b, s);
  const y1 = two(b, s + 2);
  const mo = two(b, s + 5);
  const d = two(b, s + 8);
  if (y0 < 0 || y1 < 0 || mo < 1 || mo > 12 || d < 1 || b[s + 4] !== 45 || b[s + 7] !== 45) return NaN;
  const y = y0 * 100 + y1;
  if (d > MONTH_DAYS[mo - 1]! || (mo === 2 && d === 29 && !leap(y))) return NaN;
  let ms = daysFromCivil(y, mo, d) * 86_400_000;
  let i = s + 10;
  if (i === e) return ms;
  const sep = b[i];
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== SPACE) return NaN;
  i++;
  if (e - i < 5 || b[i + 2] !== 58 /* : */) return NaN;
  const hh = two(b, i);
  const mm = two(b, i + 3);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return NaN;
  ms += hh * 3_600_000 + mm * 60_000;
  i += 5;
  if (i < e && b[i] === 58) {
    const ss = two(b, i + 1);
    if (ss < 0 || ss > 60) return NaN;
    ms += ss * 1000;
    i += 3;
    if (i < e && (b[i] === 46 || b[i] === 44)) {
      // Fraction of a second: keep milliseconds.
      i++;
      let scale = 100;
      const start = i;
      for (; i < e; i++) {
        const dd = digit(b, i);
        if (dd < 0) break;
        if (scale >= 1) ms += dd * scale;
        scale /= 10;
      }
      if (i === start) return NaN;
    }
  }
  if (i === e) return ms;
  const z = b[i];
  if ((z === 90 || z === 122) && i + 1 === e) return ms; // Z
  if (z === 43 || z === 45) {
    const sign = z === 43 ? -1 : 1; // +02:00 is two hours ahead of UTC: subtract
    const oh = two(b, i + 1);
    if (oh < 0 || oh > 23) return NaN;
    let om = 0;
    let j = i + 3;
    if (j < e && b[j] === 58) j++;
    if (j < e) {
      om = two(b, j);
      if (om < 0 || om > 59) return NaN;
      j += 2;
    }
    if (j !== e) return NaN;
    return ms + sign * (oh * 3_600_000 + om * 60_000);
  }
  if (z === SPACE && e - i === 4 && b[i + 1] === 85 && b[i + 2] === 84 && b[i + 3] === 67) return ms; // " UTC"
  return NaN;
}

/** The number in b[s, e); NaN for a missing value (empty, NaN, null, NA); undefined when unreadable. */
export function parseValue(b: Buffer, s: number, e: number): number | undefined {
  if (s >= e) return NaN;
  let i = s;
  let neg = false;
  if (b[i] === 45) {
    neg = true;
    i++;
  } else if (b[i] === 43) i++;
  let v = 0;
  let nd = 0;
  for (; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    nd++;
  }
  if (i < e && b[i] === 46) {
    i++;
    let f = 0;
    let scale = 1;
    for (; i < e; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      f = f * 10 + d;
      scale *= 10;
      nd++;
    }
    v += f / scale;
  }
  if (i === e && nd > 0 && nd <= 15) return neg ? -v : v;
  // Long, exponent or special forms: the slow path, still strict.
  const text = b.toString('latin1', s, e);
  const low = text.toLowerCase();
  if (low === 'nan' || low === 'null' || low === 'na' || low === 'n/a' || low === 'none') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
  return Number(text);
}

/** Runs the detector over a CSV stream and writes `timestamp,value,anomaly_score` rows; returns the row count. */
export async function detectStream(input: Readable, output: Writable, opts: DetectOptions = {}): Promise<number> {
  const det = new AnomalyDetector({ direction: opts.direction ?? 'both' });
  const fa = opts.falseAlarms ?? { count: 1, per: 30 * 86_400_000 };
  const onStretch = opts.onStretch;
  const stretches = onStretch ? new Stretches(() => scoreThreshold(fa, det.stepMs)) : undefined;
  let out = Buffer.allocUnsafe(OUT_SIZE);
  let o = 0;
  let line = 0;
  let rows = 0;
  let delim = -1;
  let firstLine = true;
  let rest: Buffer | undefined;
  const flush = async () => {
    if (o === 0) return;
    const chunk = out.subarray(0, o);
    out = Buffer.allocUnsafe(OUT_SIZE);
    o = 0;
    if (!output.write(chunk)) await once(output, 'drain');
  };
  const ensure = (n: number) => {
    if (o + n > out.length) {
      // Synchronously grow; the caller flushes between chunks.
      const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, o + n));
      out.copy(bigger, 0, 0, o);
      out = bigger;
    }
  };
  out.set(HEADER, 0);
  o = HEADER.length;

  const processLine = (b: Buffer, s: number, e: number) => {
    line++;
    if (e > s && b[e - 1] === CR) e--;
    // Blank lines are not rows.
    let k = s;
    while (k < e && (b[k] === SPACE || b[k] === TAB)) k++;
    if (k === e) return;
    if (delim < 0) {
      delim = 44;
      if (b.indexOf(44, s) < 0 || b.indexOf(44, s) >= e) {
        const semi = b.indexOf(59, s);
        const tab = b.indexOf(TAB, s);
        if (semi >= 0 && semi < e) delim = 59;
        else if (tab >= 0 && tab < e) delim = TAB;
      }
    }
    // Field 1: timestamp.
    let c = s;
    while (c < e && b[c] !== delim) c++;
    let ts = s;
    let te = c;
    while (ts < te && (b[ts] === SPACE || b[ts] === TAB)) ts++;
    while (te > ts && (b[te - 1] === SPACE || b[te - 1] === TAB)) te--;
    if (te - ts >= 2 && b[ts] === QUOTE && b[te - 1] === QUOTE) {
      ts++;
      te--;
    }
    if (c === e) {
      if (firstLine) {
        firstLine = false;
        throw new DetectInputError(line, `expected "timestamp,value", found one field: "${preview(b, s, e)}"`);
      }
      throw new DetectInputError(line, `expected two fields "timestamp,value", found one: "${preview(b, s, e)}"`);
    }
    // Field 2: value (anything after a further delimiter is ignored).
    let vs = c + 1;
    let ve = vs;
    while (ve < e && b[ve] !== delim) ve++;
    while (vs < ve && (b[vs] === SPACE || b[vs] === TAB)) vs++;
    while (ve > vs && (b[ve - 1] === SPACE || b[ve - 1] === TAB)) ve--;
    if (ve - vs >= 2 && b[vs] === QUOTE && b[ve - 1] === QUOTE) {
      vs++;
      ve--;
    }
    const t = parseTimestamp(b, ts, te);
    if (t !== t) {
      if (firstLine) {
        firstLine = false;
        return; // a header
      }
      throw new DetectInputError(line, `cannot read timestamp "${preview(b, ts, te)}" (use ISO 8601, "YYYY-MM-DD HH:MM:SS" or epoch seconds)`);
    }
    firstLine = false;
    const v = parseValue(b, vs, ve);
    if (v === undefined) throw new DetectInputError(line, `cannot read value "${preview(b, vs, ve)}" (expected a number)`);
    ensure(te - ts + ve - vs + 10);
    o += b.copy(out, o, ts, te);
    out[o++] = 44;
    o += b.copy(out, o, vs, ve);
    out[o++] = 44;
    if (v === v) {
      const q = Math.round(det.update(t, v) * 10000);
      if (stretches) {
        const done = stretches.push(t, v, det.reading);
        if (done) onStretch!(done);
      }
      if (q >= 10000) {
        out[o++] = 49;
        out[o++] = 46;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = 48;
      } else {
        out[o++] = 48;
        out[o++] = 46;
        out[o++] = 48 + Math.floor(q / 1000);
        out[o++] = 48 + (Math.floor(q / 100) % 10);
        out[o++] = 48 + (Math.floor(q / 10) % 10);
        out[o++] = 48 + (q % 10);
      }
    }
    out[o++] = LF;
    rows++;
  };

  for await (const raw of input) {
    let b = raw as Buffer;
    if (typeof raw === 'string') b = Buffer.from(raw);
    if (rest) {
      b = Buffer.concat([rest, b]);
      rest = undefined;
    }
    let s = 0;
    for (;;) {
      const nl = b.indexOf(LF, s);
      if (nl < 0) break;
      processLine(b, s, nl);
      s = nl + 1;
    }
    if (s < b.length) rest = Buffer.from(b.subarray(s));
    if (o > OUT_SIZE / 2) await flush();
  }
  if (rest && rest.length > 0) processLine(rest, 0, rest.length);
  const last = stretches?.end();
  if (last) onStretch!(last);
  await flush();
  return rows;
}

function preview(b: Buffer, s: number, e: number): string {
  const t = b.toString('utf8', s, Math.min(e, s + 60));
  return e - s > 60 ? t + '…' : t;
}

/** The command: `-` or no input reads standard input. Returns the exit code. */
export async function detectCommand(o: { input: string; direction?: string; explain?: string; falseAlarms?: string }): Promise<number> {
  const direction = (o.direction ?? 'both') as Direction;
  if (!['up', 'down', 'both'].includes(direction)) {
    process.stderr.write(`vigie detect: --direction must be up, down or both (got "${o.direction}")\n`);
    return 2;
  }
  const falseAlarms = parseFalseAlarms(o.falseAlarms ?? '1/30d');
  if (!falseAlarms) {
    process.stderr.write(`vigie detect: --false-alarms must be a rate such as 1/30d (got "${o.falseAlarms}")\n`);
    return 2;
  }
  const name = o.input === '-' ? 'stdin' : o.input;
  const input = o.input === '-' ? process.stdin : createReadStream(o.input, { highWaterMark: 1 << 20 });
  const explain = o.explain ? createWriteStream(o.explain) : undefined;
  try {
    if (explain) await once(explain, 'open');
    const onStretch = explain
      ? (s: Stretch) => {
          const iso = (ms: number) => new Date(ms).toISOString();
          const p = s.peak;
          const line = {
            from: iso(s.from),
            to: iso(s.to),
            rows: s.rows,
            peak_at: iso(p.at),
            seen: p.seen,
            expected: round(p.expected),
            spread: round(p.spread),
            score: round(p.score),
            why: s.why,
            view: p.feature,
          };
          explain.write(JSON.stringify(line) + '\n');
        }
      : undefined;
    await detectStream(input, process.stdout, { direction, falseAlarms, ...(onStretch ? { onStretch } : {}) });
    if (explain) {
      explain.end();
      await once(explain, 'finish');
    }
    return 0;
  } catch (err) {
    explain?.destroy();
    if (err instanceof DetectInputError) process.stderr.write(`vigie detect: ${name}:${err.line}: ${err.message.replace(/^line \d+: /, '')}\n`);
    else if ((err as NodeJS.ErrnoException).code === 'ENOENT') process.stderr.write(`vigie detect: ${(err as NodeJS.ErrnoException).path ?? name}: no such file or folder\n`);
    else if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    else process.stderr.write(`vigie detect: ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    input.destroy();
    return 1;
  }
}

function round(v: number): number | null {
  return v === v ? Math.round(v * 10000) / 10000 : null;
}
