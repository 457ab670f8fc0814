import { createRequire } from 'node:module';

import type { Logger as Pino, pino as createPino } from 'pino';

import type { Logger } from '../core/logger.js';

const require = createRequire(import.meta.url);

export interface LoggerOptions {
  /** `trace` … `fatal`, or `silent`. Default `VIGIL_LOG_LEVEL`, else `info`. */
  level?: string;
  /** File descriptor to write JSON lines to. Default 2 (stderr), keeping stdout for command output. */
  fd?: number;
}

/**
 * Structured JSON logs through pino. pino (CommonJS) is loaded by the first call rather than
 * with Vigil, so a process that logs through its own logger, or not at all, never loads it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { pino } = require('pino') as { pino: typeof createPino };
  const level = options.level ?? process.env['VIGIL_LOG_LEVEL'] ?? 'info';
  return adapt(pino({ level, base: { pid: process.pid } }, pino.destination({ fd: options.fd ?? 2, sync: true })));
}

function adapt(logger: Pino): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (bindings) => adapt(logger.child(bindings)),
  };
}
