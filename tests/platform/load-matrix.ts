import { monitorEventLoopDelay } from 'node:perf_hooks';
import { waitFor } from '../harness/ports.js';
import type { Service } from '../harness/services.js';
import {
  type Fixtures,
  heavyRequest,
  lagSampler,
  lightRequest,
  type Outcome,
  percentile,
  runClients,
  send,
} from './load-clients.js';
import { startPublisher } from './load-ingest.js';
import type { LoadPlatform } from './load-platform.js';

/**
 * The abuse and load matrix (issue 14 item 9), shared by tests/platform/load-matrix.int.test.ts and
 * `npm run bench -- load`: an idle phase (nothing but /metrics), a baseline phase (the light clients alone),
 * then the load phase (the same light clients + heavy clients + a steady MQTT publisher), then an auth brute
 * force. Figures are returned; the test asserts them as ratios to the phases before, the bench prints them.
 */
export type MatrixOptions = {
  lightClients: number;
  heavyClients: number;
  seconds: number;
  thinkMs: number;
  ingestPointsPerSecond: number;
  /** A second factory's agent the publisher runs as. */
  ingestFactoryId: string;
  log?: (line: string) => void;
};

export type PhaseFigures = {
  light: { n: number; p50: number; p99: number };
  /** The slowest light requests: kind, sent at (s into the phase), ms, and the heavy kinds then in flight. */
  slowestLight: string[];
  heavy: Record<string, { n: number; p50: number; p99: number; refused: number }>;
  maxLagMs: number;
  /** The load generator's own max event-loop lag (a stall here inflates every latency it measures). */
  generatorMaxLagMs: number;
  refusals: Record<string, number>;
  serverErrors: Outcome[];
};

export type MatrixFigures = {
  idleMaxLagMs: number;
  baseline: PhaseFigures;
  load: PhaseFigures;
  ingest: { sent: number; acked: number; failed: number; pointsPerSecond: number; stored: number };
  storedDelta: number;
  duplicatesDelta: number;
  bruteForce: { limit: number; statuses: number[]; retryAfter: string | null };
};

const admin = (p: LoadPlatform) => ({ authorization: `Bearer ${p.adminToken}` });

async function json<T>(p: LoadPlatform, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: { ...admin(p), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A finished diagnosis run (for the HTML report) and a computed assessment (autofill, grading report). */
export async function prepareFixtures(p: LoadPlatform): Promise<Fixtures> {
  const f = `/api/v1/factories/${p.factoryId}`;
  const run = await json<{ id: string }>(p, 'POST', `${f}/diagnoses`, { from: p.fromMs, to: p.toMs });
  const finished = await waitFor(
    async () => {
      const r = await json<{ status: string; error: string | null }>(p, 'GET', `${f}/diagnoses/${run.id}`);
      return r.status === 'done' || r.status === 'failed' ? r : null;
    },
    'first diagnosis run finished',
    300_000,
    200,
  );
  if (finished.status === 'failed') throw new Error(`the first diagnosis run failed: ${finished.error}`);
  const a = await json<{ id: string }>(p, 'POST', `${f}/assessments`, {
    frameworkId: 'cmmm-2020',
    industry: 'discrete',
    period: { from: p.fromMs, to: p.toMs },
  });
  await json(p, 'POST', `${f}/assessments/${a.id}/autofill`, {});
  await json(p, 'POST', `${f}/assessments/${a.id}/compute`, {});
  return { diagnosisRunId: run.id, assessmentId: a.id };
}

/** The `n` slowest light requests, each with the heavy requests in flight when it was sent. */
function slowestLight(ok: Outcome[], lightKinds: Set<string>, n: number): string[] {
  const t0 = Math.min(...ok.map((o) => o.atMs));
  const heavy = ok.filter((o) => !lightKinds.has(o.kind));
  return ok
    .filter((o) => lightKinds.has(o.kind))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n)
    .map((o) => {
      const during = heavy.filter((h) => h.atMs <= o.atMs && h.atMs + h.ms >= o.atMs).map((h) => h.kind);
      return `${o.kind} at ${((o.atMs - t0) / 1000).toFixed(1)} s: ${o.ms.toFixed(0)} ms; in flight: ${during.join(' ') || '-'}`;
    });
}

/** The event-loop lag of this process (the load generator) while a phase runs; stop() gives the max in ms. */
function generatorLag(): { stop(): number } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop() {
      h.disable();
      return h.max / 1e6;
    },
  };
}

function figures(
  outcomes: Outcome[],
  lags: number[],
  generatorMaxLagMs: number,
  lightKinds: Set<string>,
): PhaseFigures {
  const ok = outcomes.filter((o) => o.status > 0 && o.status < 400);
  const light = ok.filter((o) => lightKinds.has(o.kind)).map((o) => o.ms);
  const heavy: PhaseFigures['heavy'] = {};
  for (const kind of new Set(outcomes.filter((o) => !lightKinds.has(o.kind)).map((o) => o.kind))) {
    const mine = outcomes.filter((o) => o.kind === kind);
    const good = mine.filter((o) => o.status > 0 && o.status < 400).map((o) => o.ms);
    heavy[kind] = {
      n: good.length,
      p50: percentile(good, 50),
      p99: percentile(good, 99),
      refused: mine.length - good.length,
    };
  }
  const refusals: Record<string, number> = {};
  for (const o of outcomes) if (o.refusal) refusals[o.refusal] = (refusals[o.refusal] ?? 0) + 1;
  return {
    light: { n: light.length, p50: percentile(light, 50), p99: percentile(light, 99) },
    slowestLight: slowestLight(ok, lightKinds, 10),
    heavy,
    maxLagMs: Math.max(0, ...lags),
    generatorMaxLagMs,
    refusals,
    serverErrors: outcomes.filter((o) => o.status >= 500 || o.status === 0),
  };
}

async function ingestTotals(p: LoadPlatform): Promise<{ pointsStored: number; duplicates: number }> {
  return (
    await json<{ totals: { pointsStored: number; duplicates: number } }>(p, 'GET', '/api/v1/ingest/stats')
  ).totals;
}

export async function runMatrix(
  p: LoadPlatform,
  broker: Service,
  fx: Fixtures,
  o: MatrixOptions,
): Promise<MatrixFigures> {
  const log = o.log ?? (() => {});
  const lightKinds = new Set(['health', 'factories', 'latest']);
  const sendAdmin = (spec: Parameters<typeof send>[1]) => send(p, spec, p.adminToken);
  const phaseMs = o.seconds * 1000;
  const maxPerClient = Math.ceil(phaseMs / (o.thinkMs * 0.5)) + 1;

  const idle = lagSampler(p.url, 250);
  await new Promise((r) => setTimeout(r, Math.min(phaseMs, 3000)));
  const idleMaxLagMs = Math.max(0, ...(await idle.stop()));
  log(`idle: max event-loop lag ${idleMaxLagMs.toFixed(1)} ms`);

  const light = (until: number) =>
    runClients({
      clients: o.lightClients,
      untilMs: until,
      thinkMs: o.thinkMs,
      maxPerClient,
      next: (c, i) => lightRequest(p, c + i),
      send: sendAdmin,
    });
  let lags = lagSampler(p.url, 250);
  let ownLag = generatorLag();
  const baselineOut = await light(Date.now() + phaseMs);
  const baseline = figures(baselineOut, await lags.stop(), ownLag.stop(), lightKinds);
  log(
    `baseline: light p99 ${baseline.light.p99.toFixed(1)} ms, max lag ${baseline.maxLagMs.toFixed(1)} ms (load generator ${baseline.generatorMaxLagMs.toFixed(1)} ms)`,
  );

  const before = await ingestTotals(p);
  const publisher = await startPublisher({
    brokerUrl: broker.url,
    factoryId: o.ingestFactoryId,
    agentId: 'steady',
    pointsPerSecond: o.ingestPointsPerSecond,
    maxSeconds: o.seconds + 60,
  });
  lags = lagSampler(p.url, 250);
  ownLag = generatorLag();
  const until = Date.now() + phaseMs;
  const [lightOut, heavyOut] = await Promise.all([
    light(until),
    runClients({
      clients: o.heavyClients,
      untilMs: until,
      thinkMs: o.thinkMs,
      maxPerClient,
      next: (c, i) => heavyRequest(p, fx, c + i),
      send: sendAdmin,
    }),
  ]);
  const lagSamples = await lags.stop();
  const generatorMaxLagMs = ownLag.stop();
  const published = await publisher.stop();
  const load = figures([...lightOut, ...heavyOut], lagSamples, generatorMaxLagMs, lightKinds);
  log(
    `load: light p99 ${load.light.p99.toFixed(1)} ms, max lag ${load.maxLagMs.toFixed(1)} ms (load generator ${load.generatorMaxLagMs.toFixed(1)} ms)`,
  );

  // Nothing lost, nothing twice: every PUBACKed point is in the store once.
  await waitFor(
    async () => (await ingestTotals(p)).pointsStored - before.pointsStored >= published.acked,
    `${published.acked} acknowledged points counted as stored`,
    60_000,
    200,
  );
  const after = await ingestTotals(p);
  const q = new URLSearchParams({
    series: 'M0:activePower',
    from: String(publisher.firstTsMs),
    to: String(publisher.firstTsMs + published.sent + 1),
    interval: '1d',
    aggregate: 'count',
    utcOffsetMinutes: '0',
  });
  const counted = await json<{ series: { buckets: { count: number }[] }[] }>(
    p,
    'GET',
    `/api/v1/factories/${o.ingestFactoryId}/timeseries?${q}`,
  );
  const stored = counted.series[0]?.buckets.reduce((s, b) => s + b.count, 0) ?? 0;

  const bruteForce = await bruteForceAuth(p);
  return {
    idleMaxLagMs,
    baseline,
    load,
    ingest: { ...published, pointsPerSecond: published.acked / published.seconds, stored },
    storedDelta: after.pointsStored - before.pointsStored,
    duplicatesDelta: after.duplicates - before.duplicates,
    bruteForce,
  };
}

/** Wrong tokens from one IP until the first 429 (bounded): the statuses in order and the limit configured. */
async function bruteForceAuth(p: LoadPlatform): Promise<MatrixFigures['bruteForce']> {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  const limit = 20; // http.rateLimit.authFailuresPerMinutePerIp, the documented default (config/schema.ts)
  for (let i = 0; i < limit + 5; i++) {
    const res = await fetch(`${p.url}/api/v1/factories`, {
      headers: { authorization: `Bearer wrong-token-${i}-${'x'.repeat(24)}` },
    });
    await res.arrayBuffer();
    statuses.push(res.status);
    if (res.status === 429) retryAfter = res.headers.get('retry-after');
  }
  return { limit, statuses, retryAfter };
}
