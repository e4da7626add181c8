import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { GroundTruth } from './ground-truth.js';

/**
 * The ground truth over HTTP (JSON), loopback only. Times are ISO 8601 or epoch ms and must be on tick
 * boundaries inside the simulated history. Routes (GET):
 *   /healthz                                   → { ok, tick, nowMs }
 *   /truth/range                               → { fromMs, toMs }
 *   /truth/catalog                             → devices and metrics (NodeIds, units)
 *   /truth/meters/<id>/increase?from&to         → { value }   true counter increase (kWh / m³ / t)
 *   /truth/meters/<id>/counter?at               → { value }   true counter reading
 *   /truth/meters/<id>/power-factor?from&to     → { value }
 *   /truth/meters/<id>/max-demand?from&to       → { kw, blockStartMs }
 *   /truth/machines/<id>/states?from&to         → { states: {…ms}, modes: {…ms} }
 *   /truth/machines/<id>/counts?from&to         → { good, reject }
 *   /truth/hourly?from&to[&meters=a,b]          → [{ meterId, hourStartMs, consumption, unit }]
 *   /truth/faults[?from&to]                     → [{ id, type, declared, truth }]
 */
export type TruthServer = { port: number; url: string; close(): Promise<void> };

function time(q: URLSearchParams, name: string): number {
  const raw = q.get(name);
  if (raw === null) throw new RangeError(`missing query parameter "${name}"`);
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new RangeError(`"${name}" must be ISO 8601 or epoch ms, got "${raw}"`);
  return ms;
}

export function route(truth: GroundTruth, pathname: string, q: URLSearchParams): unknown {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [a, b, id, what] = parts;
  if (a === 'healthz') return { ok: true, tick: truth.sim.tick, nowMs: truth.sim.nowMs };
  if (a !== 'truth') throw new NotFound(pathname);
  if (b === 'range' && parts.length === 2) return truth.range();
  if (b === 'catalog' && parts.length === 2)
    return {
      factoryId: truth.sim.catalog.factoryId,
      assets: truth.sim.catalog.assets,
      devices: truth.sim.catalog.devices,
    };
  if (b === 'hourly' && parts.length === 2) {
    const meters = q.get('meters')?.split(',').filter(Boolean);
    return truth.hourly(time(q, 'from'), time(q, 'to'), meters);
  }
  if (b === 'faults' && parts.length === 2) {
    return q.has('from') || q.has('to') ? truth.faults(time(q, 'from'), time(q, 'to')) : truth.faults();
  }
  if (b === 'meters' && id && parts.length === 4) {
    if (what === 'increase') return { value: truth.counterIncrease(id, time(q, 'from'), time(q, 'to')) };
    if (what === 'counter') return { value: truth.counterAt(id, time(q, 'at')) };
    if (what === 'power-factor') return { value: truth.powerFactor(id, time(q, 'from'), time(q, 'to')) };
    if (what === 'max-demand') return truth.maxDemand(id, time(q, 'from'), time(q, 'to'));
  }
  if (b === 'machines' && id && parts.length === 4) {
    if (what === 'states') return truth.stateDurations(id, time(q, 'from'), time(q, 'to'));
    if (what === 'counts') return truth.counts(id, time(q, 'from'), time(q, 'to'));
  }
  throw new NotFound(pathname);
}

class NotFound extends Error {}

export async function startTruthServer(truth: GroundTruth, port = 0, logger?: Logger): Promise<TruthServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'only GET is supported' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      send(200, route(truth, url.pathname, url.searchParams));
    } catch (e) {
      if (e instanceof NotFound) send(404, { error: `no route ${url.pathname}` });
      else if (e instanceof RangeError) send(400, { error: e.message });
      else {
        logger?.error({ err: String(e) }, 'truth request failed');
        send(500, { error: String(e) });
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  logger?.info({ url: `http://127.0.0.1:${actual}` }, 'ground truth server listening');
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
