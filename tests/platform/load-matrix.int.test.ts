import { afterAll, describe, expect, it } from 'vitest';
import { startMosquitto } from '../harness/services.js';
import { HEAVY_KINDS } from './load-clients.js';
import { type MatrixFigures, prepareFixtures, runMatrix } from './load-matrix.js';
import { type LoadPlatform, startLoadPlatform } from './load-platform.js';

/**
 * The abuse and load matrix (issue 14 item 9) on a real `xiang serve` process (embedded store, Mosquitto):
 * 50 API clients — 40 light (health, factories, latest values) and 10 heavy (diagnosis runs, big raw and step
 * queries, assessment autofill, diagnosis and grading reports as HTML) — while an MQTT agent publishes at a
 * steady rate. Bounds are ratios to phases measured in the same run, never absolute times: the light clients'
 * p99 under load against the same light clients alone, the max event-loop lag (from /metrics) under load
 * against the idle process. Then: no 5xx, every PUBACKed point stored exactly once, and a brute force on
 * tokens refused (429) after exactly the documented number of failures. Speed figures: `npm run bench -- load`.
 */
// Bounds set from `npm run bench -- load` (BENCHMARKS.md) on the same 2-core machine, same parameters: on main
// (ab02bc1) the light p99 under load was 611x its baseline and the max loop lag 72x idle (autofill and the
// diagnosis inputs read on the event loop, 1-10 s blocks); after the worker pool, the sliced loaders and the
// heavy-job gate 41x and 21.5x. The rest is CPU saturation by the heavy clients, not stalls.
const LIGHT_P99_RATIO = 150;
const LAG_RATIO = 50;

const broker = await startMosquitto();
let platform: LoadPlatform | null = null;

describe.skipIf(!broker)('load matrix: heavy requests and ingest do not stall light requests', () => {
  afterAll(async () => {
    await platform?.dispose();
    await broker?.dispose();
  });

  it('50 clients + steady ingest: light p99 and loop lag within ratios, no 5xx, nothing lost, brute force 429', async () => {
    const lines: string[] = [];
    const p = await startLoadPlatform(broker!, { days: 2, log: (l) => lines.push(l) });
    platform = p;
    const fx = await prepareFixtures(p);
    const f: MatrixFigures = await runMatrix(p, broker!, fx, {
      lightClients: 40,
      heavyClients: 10,
      seconds: 20,
      thinkMs: 1000,
      ingestPointsPerSecond: 1000,
      ingestFactoryId: 'F1',
      log: (l) => lines.push(l),
    });
    const figures = `${lines.join('\n')}\n${JSON.stringify({ ...f, load: { ...f.load, serverErrors: f.load.serverErrors.slice(0, 5) } }, null, 1)}`;

    // Every heavy kind was really exercised (answered, or refused by a documented bound) during the load.
    for (const kind of HEAVY_KINDS)
      expect(f.load.heavy[kind]?.n ?? 0, `${kind} answered under load\n${figures}`).toBeGreaterThan(0);
    expect(
      f.baseline.serverErrors.length + f.load.serverErrors.length,
      `5xx or network errors\n${figures}`,
    ).toBe(0);

    expect(f.load.light.n, figures).toBeGreaterThan(100);
    expect(f.load.light.p99 / f.baseline.light.p99, `light p99 under load / alone\n${figures}`).toBeLessThan(
      LIGHT_P99_RATIO,
    );
    expect(f.load.maxLagMs / f.idleMaxLagMs, `max event-loop lag under load / idle\n${figures}`).toBeLessThan(
      LAG_RATIO,
    );

    // Nothing lost, nothing twice.
    expect(f.ingest.failed, figures).toBe(0);
    expect(f.ingest.acked, figures).toBe(f.ingest.sent);
    expect(f.ingest.stored, figures).toBe(f.ingest.acked);
    expect(f.storedDelta, figures).toBe(f.ingest.acked);
    expect(f.duplicatesDelta, figures).toBe(0);

    // Brute force: exactly the documented number of wrong tokens is checked (401), every later one is 429.
    const { limit, statuses } = f.bruteForce;
    expect(statuses.slice(0, limit), figures).toEqual(Array(limit).fill(401));
    expect(statuses.slice(limit), figures).toEqual(Array(statuses.length - limit).fill(429));
    expect(Number(f.bruteForce.retryAfter)).toBeGreaterThan(0);

    expect(await p.stop(), 'graceful stop after the load').toBe(0);
  }, 900_000);
});
