// One logger setup for every command, on stderr so stdout stays for results: JSON lines, or readable
// lines when stderr is a terminal (--log-format or VIGIE_LOG_FORMAT: auto, json, text).
import { type Logger, pino } from 'pino';
import { LOG_FORMATS, type LogFormat, readableStream, useText } from './log-format.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function makeLogger(level: string, format: string = process.env.VIGIE_LOG_FORMAT || 'auto'): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  }
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')} (got "${format}")`);
  }
  const opts = { level, base: { app: 'vigie' } };
  if (useText(format as LogFormat, process.stderr.isTTY)) return pino(opts, readableStream());
  return pino(opts, pino.destination({ fd: 2, sync: false }));
}

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}
