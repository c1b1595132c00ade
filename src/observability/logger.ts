/**
 * JSON logs (pino). Info stays quiet: one line per outcome that matters (commit, terminal failure,
 * leadership), never whole config values; values and diffs only at debug.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { component: 'cairn-operator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
