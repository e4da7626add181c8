import { StatusCodes } from '@xiang/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureBirth, T0 } from '../../../../tests/platform/fixtures.js';
import { openPlatformDb } from '../../registry/db.js';
import { Registry } from '../../registry/registry.js';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import type { TimeSeriesStore } from '../../store/types.js';
import { DiagnosisRepository } from './repository.js';
import { type DiagnosisError, DiagnosisService } from './service.js';

/**
 * The run queue over the real registry, repository and embedded store (in memory). The store is wrapped with a
 * gate on its counter reads so a run can be held "running" while the test looks at the queue — the data and
 * the queries stay real.
 */
const DAY_MS = 86_400_000;
let db: ReturnType<typeof openPlatformDb>;
let registry: Registry;
let store: EmbeddedStore;
let open: () => void;
let gated: TimeSeriesStore;

beforeEach(async () => {
  db = openPlatformDb(':memory:');
  registry = new Registry(db);
  registry.applyBirth('F1', 'A1', fixtureBirth('sess-0001'), T0);
  store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
  await store.write(dayOfCounter('F1'));
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  open = release;
  gated = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'counterIncrease' || typeof v !== 'function')
        return typeof v === 'function' ? v.bind(target) : v;
      return async (...a: unknown[]) => {
        await gate;
        return (v as (...x: unknown[]) => unknown).apply(target, a);
      };
    },
  });
});
afterEach(async () => {
  await store.close();
  db.close();
});

const req = { fromMs: T0, toMs: T0 + DAY_MS };

/** M0's energy counter every quarter-hour for the day from T0: 10 kWh a quarter-hour. */
function dayOfCounter(factoryId: string) {
  return Array.from({ length: 97 }, (_, k) => ({
    factoryId,
    deviceId: 'M0',
    metric: 'energyImport',
    tsMs: T0 + k * 900_000,
    value: 1000 + 10 * k,
    status: StatusCodes.Good,
  }));
}

describe('DiagnosisService', () => {
  it('runs one at a time, queues the rest up to the bound (429 beyond), and stores each result', async () => {
    const svc = new DiagnosisService({
      registry,
      store: gated,
      repo: new DiagnosisRepository(db),
      maxQueued: 1,
    });
    const a = svc.submit('F1', req, 'test');
    const b = svc.submit('F1', req, 'test');
    expect(svc.get('F1', a.id).status).toBe('running');
    expect(svc.get('F1', b.id).status).toBe('queued');
    expect(() => svc.submit('F1', req, 'test')).toThrow(
      expect.objectContaining({ status: 429 }) as unknown as DiagnosisError,
    );
    expect(() => svc.result('F1', b.id)).toThrow(/is queued/);
    open();
    await svc.idle();
    for (const id of [a.id, b.id]) {
      const run = svc.get('F1', id);
      expect(run.status, run.error ?? '').toBe('done');
      expect(run.startedAtMs).not.toBeNull();
      const electricity = svc.result('F1', id).accounting.media.find((m) => m.medium === 'electricity');
      expect(electricity?.quantity).toBeCloseTo(960, 9);
    }
    expect(svc.list('F1').map((r) => r.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('per-factory queues, served round-robin: a factory with a backlog cannot make another get 429 (issue 14)', async () => {
    registry.applyBirth('F2', 'A1', fixtureBirth('sess-0002'), T0);
    await store.write(dayOfCounter('F2'));
    // A clock after the data (a run evaluates only time up to now and the data's end), one tick per read.
    let clock = T0 + DAY_MS;
    const svc = new DiagnosisService({
      registry,
      store: gated,
      repo: new DiagnosisRepository(db),
      maxQueuedPerFactory: 2,
      now: () => ++clock,
    });
    const a = svc.submit('F1', req, 'F1 inspector');
    const b = svc.submit('F1', req, 'F1 inspector');
    const c = svc.submit('F1', req, 'F1 inspector');
    expect(() => svc.submit('F1', req, 'F1 inspector')).toThrow(/factory "F1" are already waiting/);
    const x = svc.submit('F2', req, 'F2 inspector'); // F1's full queue is F1's alone
    expect(svc.queueState()).toEqual({ waiting: { F1: 2, F2: 1 }, runningFactory: 'F1', refusedTotal: 1 });
    open();
    await svc.idle();
    const started = [a, b, c, x].map(
      (r) => [r.id, svc.get(r.factoryId, r.id).startedAtMs as number] as const,
    );
    const order = started.sort((p, q) => p[1] - q[1]).map(([id]) => id);
    expect(order).toEqual([a.id, b.id, x.id, c.id]); // F2's run goes before F1's second waiting one
    for (const r of [a, b, c, x]) expect(svc.get(r.factoryId, r.id).status).toBe('done');
  });

  it('close() cancels the running run at its next store read and the queued ones; a restart fails leftovers', async () => {
    const repo = new DiagnosisRepository(db);
    const svc = new DiagnosisService({ registry, store: gated, repo });
    const a = svc.submit('F1', req, 'test');
    const b = svc.submit('F1', req, 'test');
    const closed = svc.close();
    expect(() => svc.submit('F1', req, 'test')).toThrow(/stopping/);
    open();
    await closed;
    expect(svc.get('F1', a.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/cancelled/),
    });
    expect(svc.get('F1', b.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/cancelled/),
    });

    // A run left "running" by a process that died is failed by the next one, not left hanging.
    repo.insert({ ...svc.get('F1', a.id), id: 'orphan', status: 'running', error: null, finishedAtMs: null });
    new DiagnosisService({ registry, store, repo });
    expect(repo.get('orphan')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/interrupted/),
    });
  });

  it('refuses an unknown factory (404) and an empty period (400) before reading anything', () => {
    const svc = new DiagnosisService({ registry, store, repo: new DiagnosisRepository(db) });
    expect(() => svc.submit('F9', req, 'test')).toThrow(
      expect.objectContaining({ status: 404 }) as unknown as Error,
    );
    expect(() => svc.submit('F1', { fromMs: T0, toMs: T0 }, 'test')).toThrow(
      expect.objectContaining({ status: 400, field: 'body.to' }) as unknown as Error,
    );
  });
});
