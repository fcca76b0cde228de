import { LogController, type FastifyServerOptions } from 'fastify';
import pretty from 'pino-pretty';
import type { Config } from '../config.ts';
import { logRedactPaths } from './server.ts';

export interface LoggerOptions {
  logger: FastifyServerOptions['logger'];
  /** Set when Fastify's "incoming request" / "request completed" lines are left out. */
  logController?: FastifyServerOptions['logController'];
}

const quietLevels = new Set(['info', 'warn', 'error', 'fatal']);

/**
 * The server's pino options. JSON lines (for a log collector) unless the format is `pretty`:
 * then human-readable lines through pino-pretty, and — since someone is reading a terminal — the two
 * lines per request only at `LOG_LEVEL=debug` or finer. Redaction applies in both formats (pino
 * redacts before a line reaches its stream). A `stream` (tests) always receives JSON.
 */
export function loggerOptions(config: Pick<Config, 'logLevel' | 'logFormat'>, stream?: { write(line: string): void }): LoggerOptions {
  if (config.logLevel === 'silent') return { logger: false };
  const base = { level: config.logLevel, redact: logRedactPaths };
  if (stream) return { logger: { ...base, stream } };
  if (config.logFormat === 'json') return { logger: base };
  return {
    logger: { ...base, stream: pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) },
    ...(quietLevels.has(config.logLevel) && { logController: new LogController({ disableRequestLogging: true }) }),
  };
}
