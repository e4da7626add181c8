import type { LoadPlatform } from './load-platform.js';

/**
 * The API clients of the load matrix: closed loops with a think time (so the offered load is bounded and the
 * same in the baseline and under load), each loop bounded in time and in count. Latencies are measured by
 * the client from send to the last byte of the body; heavy bodies are read as bytes, never parsed, so the
 * load generator's own event loop does not stall the light clients it measures.
 */
export type Outcome = {
  kind: string;
  /** When it was sent (performance.now() of the load generator). */
  atMs: number;
  ms: number;
  status: number;
  refusal?: string;
};

export type RequestSpec = {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
};

export const LIGHT_KINDS = ['health', 'factories', 'latest'] as const;
export const HEAVY_KINDS = [
  'diagnosis',
  'raw',
  'step',
  'autofill',
  'diagnosisReportHtml',
  'gradingReportHtml',
  'latestFactory',
] as const;

export type Fixtures = { diagnosisRunId: string; assessmentId: string };

export function lightRequest(p: LoadPlatform, i: number): RequestSpec {
  const f = `/api/v1/factories/${p.factoryId}`;
  const kind = LIGHT_KINDS[i % LIGHT_KINDS.length]!;
  if (kind === 'health') return { kind, method: 'GET', path: '/healthz' };
  if (kind === 'factories') return { kind, method: 'GET', path: '/api/v1/factories' };
  // One device's latest values (the console's device page); the whole factory's is not light (see the report).
  return { kind, method: 'GET', path: `${f}/latest?deviceId=${encodeURIComponent(p.devices[0] ?? '')}` };
}

export function heavyRequest(p: LoadPlatform, fx: Fixtures, i: number): RequestSpec {
  const f = `/api/v1/factories/${p.factoryId}`;
  const kind = HEAVY_KINDS[i % HEAVY_KINDS.length]!;
  const period = { from: p.fromMs, to: p.toMs };
  const some = (n: number) => p.series.slice(0, n).join(',');
  switch (kind) {
    case 'diagnosis':
      return { kind, method: 'POST', path: `${f}/diagnoses`, body: period };
    case 'raw':
      return {
        kind,
        method: 'GET',
        path: `${f}/timeseries/raw?series=${some(20)}&from=${p.fromMs}&to=${p.toMs}`,
      };
    case 'step':
      return {
        kind,
        method: 'GET',
        path: `${f}/timeseries/step?series=${some(10)}&from=${p.fromMs}&to=${p.toMs}`,
      };
    case 'autofill':
      return {
        kind,
        method: 'POST',
        path: `${f}/assessments/${fx.assessmentId}/autofill`,
        body: { period },
      };
    case 'diagnosisReportHtml':
      return { kind, method: 'GET', path: `${f}/diagnoses/${fx.diagnosisRunId}/report?format=html` };
    case 'latestFactory':
      return { kind, method: 'GET', path: `${f}/latest` };
    case 'gradingReportHtml':
      return { kind, method: 'GET', path: `${f}/assessments/${fx.assessmentId}/report?format=html` };
  }
}

/** One request; a refused one (4xx with a problem body) keeps its problem type's last path segment. */
export async function send(p: LoadPlatform, spec: RequestSpec, token: string): Promise<Outcome> {
  const t0 = performance.now();
  const res = await fetch(`${p.url}${spec.path}`, {
    method: spec.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
  });
  const bytes = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status < 400) return { kind: spec.kind, atMs: t0, ms, status: res.status };
  let refusal = `http${res.status}`;
  if (res.headers.get('content-type')?.includes('problem+json') && bytes.byteLength < 100_000) {
    const type = (JSON.parse(Buffer.from(bytes).toString()) as { type?: string }).type ?? '';
    refusal = `${res.status} ${type.split('/').pop() || 'about:blank'}`;
  }
  return { kind: spec.kind, atMs: t0, ms, status: res.status, refusal };
}

/** Runs `clients` loops until `untilMs` (and at most `maxPerClient` requests each); returns every outcome. */
export async function runClients(o: {
  clients: number;
  untilMs: number;
  thinkMs: number;
  maxPerClient: number;
  next: (client: number, i: number) => RequestSpec;
  send: (spec: RequestSpec) => Promise<Outcome>;
}): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const loop = async (c: number) => {
    // Spread the clients' first requests over one think time, so they do not arrive as one burst.
    await new Promise((r) => setTimeout(r, (o.thinkMs * c) / o.clients));
    for (let i = 0; i < o.maxPerClient && Date.now() < o.untilMs; i++) {
      try {
        out.push(await o.send(o.next(c, i)));
      } catch (e) {
        out.push({
          kind: o.next(c, i).kind,
          atMs: performance.now(),
          ms: Number.NaN,
          status: 0,
          refusal: `network ${String(e)}`,
        });
      }
      await new Promise((r) => setTimeout(r, o.thinkMs * (0.5 + Math.random())));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, c) => loop(c)));
  return out;
}

export function percentile(values: number[], p: number): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]!;
}

/** Scrapes /metrics every `everyMs` until stopped; the max event-loop lag of each scrape interval, in ms. */
export function lagSampler(url: string, everyMs: number): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const scrape = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /^xiang_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
    if (m) samples.push(Number(m[1]) * 1000);
  };
  const done = (async () => {
    await scrape(); // resets the histogram: what came before this phase is not counted
    samples.length = 0;
    for (let i = 0; i < 100_000 && running; i++) {
      await new Promise((r) => setTimeout(r, everyMs));
      await scrape();
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return samples;
    },
  };
}
