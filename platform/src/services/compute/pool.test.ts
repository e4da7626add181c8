import { afterAll, describe, expect, it } from 'vitest';
import { syntheticPlant } from '../../../../bench/diagnose.js';
import { diagnose } from '../../energy/diagnose.js';
import { renderReport } from '../../energy/report/html.js';
import { demoFactory } from '../../grading/test-fixture.js';
import { ComputePool } from './pool.js';
import { computeTasks } from './tasks.js';

/** The worker pool gives what the functions give inline, serves factories in turn, and survives a bad job. */
const pool = new ComputePool({ size: 1 });
afterAll(() => pool.close());

describe('compute pool (worker threads)', () => {
  it('diagnose(), the HTML report and the indicators: the same in a worker as inline', async () => {
    const input = syntheticPlant({ meters: 12, days: 14 });
    const inline = diagnose(input);
    const fromWorker = await pool.run('F1', 'diagnose', input);
    expect(JSON.stringify(fromWorker)).toBe(JSON.stringify(inline));
    const html = await pool.run('F1', 'diagnosisReportHtml', { result: inline, opts: { lang: 'en' } });
    expect(html).toBe(renderReport(inline, { lang: 'en' }));
    const inputs = demoFactory();
    const indicators = await pool.run('F1', 'indicators', { inputs });
    expect(JSON.stringify(indicators)).toBe(JSON.stringify(computeTasks.indicators({ inputs })));
    expect(indicators.length).toBeGreaterThan(0);
  }, 60_000);

  it('factories are served in turn: a backlog of one delays another by at most one job per turn', async () => {
    const order: string[] = [];
    const input = syntheticPlant({ meters: 2, days: 2 });
    const jobs = [
      ...Array.from({ length: 4 }, () => pool.run('BUSY', 'diagnose', input).then(() => order.push('BUSY'))),
      pool.run('OTHER', 'diagnose', input).then(() => order.push('OTHER')),
    ];
    await Promise.all(jobs);
    // Behind the BUSY job already running and at most one more of BUSY's turn — not behind its whole backlog.
    expect(order.indexOf('OTHER')).toBeLessThanOrEqual(2);
    expect(order.at(-1)).toBe('BUSY');
    expect(pool.state().waiting).toEqual({});
  }, 60_000);

  it('a job whose data cannot cross to a worker fails alone; the pool keeps working', async () => {
    const bad = { result: { fn: () => 1 }, opts: {} } as never;
    await expect(pool.run('F1', 'diagnosisReportHtml', bad)).rejects.toThrow();
    const input = syntheticPlant({ meters: 2, days: 2 });
    expect(JSON.stringify(await pool.run('F1', 'diagnose', input))).toBe(JSON.stringify(diagnose(input)));
  }, 60_000);
});
