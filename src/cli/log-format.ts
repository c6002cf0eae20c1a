// Log lines for a person at a terminal: pino writes JSON lines (what log collectors want); on a TTY
// each line is turned into "23:07:12 WARN  message  key=value …" before it reaches stderr. No
// pino-pretty: this is one small function over the same stream.
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '35' };
/** Fields every line carries, or that the line's head already shows. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app', 'v']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

/** One pino JSON line as a readable line (and, for an error, its stack below). Not JSON: as it is. */
export function formatLogLine(line: string, opts: { colour: boolean }): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (o === null || typeof o !== 'object') return `${line.trimEnd()}\n`;
  const level = typeof o.level === 'number' ? o.level : 30;
  const time = typeof o.time === 'number' && Number.isFinite(o.time) ? new Date(o.time).toISOString().slice(11, 19) : '--:--:--';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const paint = (code: string | undefined, s: string) => (opts.colour && code ? `\x1b[${code}m${s}\x1b[0m` : s);
  let stack = '';
  const fields: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (HIDDEN.has(k)) continue;
    if ((k === 'err' || k === 'error') && v && typeof v === 'object') {
      const e = v as { message?: unknown; stack?: unknown; type?: unknown };
      fields.push(`${k}=${value(e.message ?? e.type ?? v)}`);
      if (level >= 50 && typeof e.stack === 'string') stack = `${e.stack.split('\n').slice(1).join('\n')}\n`;
      continue;
    }
    fields.push(`${k}=${value(v)}`);
  }
  const msg = typeof o.msg === 'string' ? o.msg : '';
  return `${paint('90', time)} ${paint(COLOURS[level], name)} ${msg}${fields.length ? `  ${paint('90', fields.join(' '))}` : ''}\n${stack}`;
}

/** A pino destination writing readable lines to stderr; coloured on a terminal unless NO_COLOR is set. */
export function readableStream(out: NodeJS.WriteStream = process.stderr, colour = out.isTTY === true && !process.env.NO_COLOR): DestinationStream {
  return {
    write(chunk: string) {
      // pino writes one line per call; split anyway, in case it ever batches.
      for (const line of chunk.split('\n')) if (line) out.write(formatLogLine(line, { colour }));
    },
  };
}

export type LogFormat = 'auto' | 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'text'];

/** Text for a terminal, JSON otherwise (a pipe, a file, a service manager's journal). */
export function useText(format: LogFormat, isTty: boolean | undefined): boolean {
  return format === 'text' || (format === 'auto' && isTty === true);
}

