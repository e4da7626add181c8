import { type Logger, pino } from 'pino';

/** JSON logs (pino) for the simulator services; level from XIANG_LOG_LEVEL (default info). */
export function createLogger(name: string, level = process.env.XIANG_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level });
}

/** A logger that drops everything (tests that do not want log noise). */
export const silentLogger: Logger = pino({ level: 'silent' });
