import type { Logger } from 'pino';

/**
 * Shared by `xiang-sim modbus` and `xiang-sim dlt645`: parse the fault options, log status every 10 s, stop on
 * SIGINT/SIGTERM.
 */
export function parseUnitDelays(list: string[] | undefined, what: string): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of list ?? []) {
    const m = /^(\d+):(\d+)$/.exec(s);
    if (!m) throw new Error(`--${what}: expected unit:ms, got "${s}"`);
    out[Number(m[1])] = Number(m[2]);
  }
  return out;
}

export function statusTimer(log: Logger, status: () => Record<string, unknown>): () => void {
  const t = setInterval(() => log.info(status(), 'status'), 10_000);
  return () => clearInterval(t);
}
