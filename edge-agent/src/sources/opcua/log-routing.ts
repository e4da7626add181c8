import { format } from 'node:util';
import { setDebugLogger, setErrorLogger, setTraceLogger, setWarningLogger } from 'node-opcua-debug';
import pino, { type Logger } from 'pino';

/**
 * node-opcua prints its warnings and errors itself (node-opcua-debug: coloured, multi-line console.log dumps,
 * some at module load time). This module must be imported before any node-opcua module: it replaces those
 * printers with one pino line each — message = the first line, the rest in `detail` — to stderr until the agent
 * hands over its own logger (`routeNodeOpcuaLogs`). Like node-opcua's own printers, each call site logs at most
 * `PER_SITE_LIMIT` times.
 */
type Ctx = { filename?: string; callerline?: number };

const PER_SITE_LIMIT = 100;
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
let target: Logger = pino({ level: 'warn', base: { component: 'node-opcua' } }, pino.destination(2));
const perSite = new Map<string, number>();

function printer(level: 'error' | 'warn' | 'debug' | 'trace') {
  return (context?: unknown, ...args: unknown[]) => {
    const ctx = (context ?? {}) as Ctx;
    const where = `${ctx.filename ?? '?'}:${ctx.callerline ?? '?'}`;
    const n = (perSite.get(where) ?? 0) + 1;
    perSite.set(where, n);
    if (n > PER_SITE_LIMIT) return;
    const lines = format(...args)
      .replace(ANSI, '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const detail = lines.slice(1, 25);
    target[level](
      {
        where,
        ...(detail.length > 0 ? { detail } : {}),
        ...(n === PER_SITE_LIMIT ? { note: `no more logs from ${where}` } : {}),
      },
      lines[0] ?? '',
    );
  };
}

setErrorLogger(printer('error'));
setWarningLogger(printer('warn'));
setDebugLogger(printer('debug'));
setTraceLogger(printer('trace'));

/** From now on node-opcua's messages go to this logger (the agent's, as a child `component: node-opcua`). */
export function routeNodeOpcuaLogs(log: Logger): void {
  target = log.child({ component: 'node-opcua' });
}
