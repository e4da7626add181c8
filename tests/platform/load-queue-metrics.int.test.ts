import { afterAll, describe, expect, it } from 'vitest';
import { startMosquitto } from '../harness/services.js';
import { type Outcome, send } from './load-clients.js';
import { prepareFixtures } from './load-matrix.js';
import { type LoadPlatform, startLoadPlatform } from './load-platform.js';

/**
 * Issue 14: /metrics exports the depth of every queue a request can wait in — the compute pool's per-factory
 * queues (report HTML, diagnose(), indicators in a worker thread) and the heavy-job gate's (autofill, indicators,
 * grading runs) — plus the gate's refusals and the MQTT group commit's unacknowledged messages. Read here while
 * bursts of heavy requests wait in them on a real `xiang serve` process (one compute worker, the default): the
 * depths rise above zero while requests wait, the refusals counted equal the 429s answered, and every queue is
 * empty again when the last request has its answer. No time is asserted.
 */
const broker = await startMosquitto();
let platform: LoadPlatform | null = null;

type Sample = Map<string, number>;

/** `name{labels} value` lines of the Prometheus text, summed per metric name (over its labels). */
function parse(text: string, factoryId: string): Sample {
  const out: Sample = new Map();
  for (const line of text.split('\n')) {
    const m = /^(xiang_[a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = m[2] ?? '';
    if (labels.includes('factory=') && !labels.includes(`factory="${factoryId}"`)) continue;
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[3]));
  }
  return out;
}

async function scrape(p: LoadPlatform): Promise<Sample> {
  return parse(await (await fetch(`${p.url}/metrics`)).text(), p.factoryId);
}

describe.skipIf(!broker)('/metrics: queue depths under load', () => {
  afterAll(async () => {
    await platform?.dispose();
    await broker?.dispose();
  });

  it('compute pool and heavy-gate depths rise while requests wait, refusals match the 429s, all drain to 0', async () => {
    const p = await startLoadPlatform(broker!, { days: 1 });
    platform = p;
    const fx = await prepareFixtures(p);
    const f = `/api/v1/factories/${p.factoryId}`;
    const before = await scrape(p);
    expect(before.get('xiang_compute_busy_workers'), 'the compute pool is exported').toBe(0);
    expect(before.get('xiang_heavy_gate_running'), 'the heavy-job gate is exported').toBe(0);
    expect(before.has('xiang_ingest_group_commit_in_flight_messages')).toBe(true);

    const max = new Map<string, number>();
    const outcomes: Outcome[] = [];
    // Bursts until both queues were seen holding work (bounded: a burst takes seconds of CPU).
    for (let burst = 0; burst < 6; burst++) {
      let settled = false;
      const requests = Promise.all([
        ...Array.from({ length: 6 }, () =>
          send(
            p,
            {
              kind: 'autofill',
              method: 'POST',
              path: `${f}/assessments/${fx.assessmentId}/autofill`,
              body: { period: { from: p.fromMs, to: p.toMs } },
            },
            p.adminToken,
          ),
        ),
        ...Array.from({ length: 8 }, () =>
          send(
            p,
            {
              kind: 'gradingReportHtml',
              method: 'GET',
              path: `${f}/assessments/${fx.assessmentId}/report?format=html`,
            },
            p.adminToken,
          ),
        ),
        ...Array.from({ length: 4 }, () =>
          send(
            p,
            {
              kind: 'diagnosisReportHtml',
              method: 'GET',
              path: `${f}/diagnoses/${fx.diagnosisRunId}/report?format=html`,
            },
            p.adminToken,
          ),
        ),
      ]).finally(() => {
        settled = true;
      });
      for (let i = 0; i < 10_000 && !settled; i++) {
        for (const [k, v] of await scrape(p)) max.set(k, Math.max(max.get(k) ?? 0, v));
        await new Promise((r) => setTimeout(r, 10));
      }
      outcomes.push(...(await requests));
      if (
        (max.get('xiang_compute_queue_depth') ?? 0) > 0 &&
        (max.get('xiang_heavy_gate_queue_depth') ?? 0) > 0
      )
        break;
    }
    const figures = JSON.stringify({ max: Object.fromEntries(max), statuses: outcomes.map((o) => o.status) });
    expect(max.get('xiang_compute_queue_depth') ?? 0, figures).toBeGreaterThan(0);
    expect(max.get('xiang_heavy_gate_queue_depth') ?? 0, figures).toBeGreaterThan(0);
    expect(max.get('xiang_compute_busy_workers') ?? 0, figures).toBe(1);
    expect(max.get('xiang_heavy_gate_running') ?? 0, figures).toBe(1);
    for (const o of outcomes) expect([200, 429], figures).toContain(o.status);

    const after = await scrape(p);
    expect(after.get('xiang_compute_queue_depth') ?? 0, 'compute queue drained').toBe(0);
    expect(after.get('xiang_heavy_gate_queue_depth') ?? 0, 'gate queue drained').toBe(0);
    expect(after.get('xiang_compute_busy_workers')).toBe(0);
    expect(after.get('xiang_heavy_gate_running')).toBe(0);
    const refused = outcomes.filter((o) => o.status === 429).length;
    expect(after.get('xiang_heavy_gate_refused'), figures).toBe(refused);
    // Every answered report and autofill ran in the pool (autofill: its indicators).
    const pooled = outcomes.filter((o) => o.status === 200).length;
    const done =
      (after.get('xiang_compute_jobs_completed') ?? 0) - (before.get('xiang_compute_jobs_completed') ?? 0);
    expect(done, figures).toBe(pooled);
    expect(await p.stop(), 'graceful stop').toBe(0);
  }, 900_000);
});
