// One logger setup for every command: JSON lines on stderr, so stdout stays for results.
import { type Logger, pino } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function makeLogger(level: string): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  }
  return pino({ level, base: { app: 'vigie' } }, pino.destination({ fd: 2, sync: false }));
}

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}
