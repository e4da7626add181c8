import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, FACTORY, fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { AuditLog } from '../auth/audit.js';
import { TokenStore } from '../auth/tokens.js';
import { ingestConfigSchema, mqttConfigSchema } from '../config/schema.js';
import { assessmentSchema } from '../grading/assessment.js';
import { gradeFactory } from '../grading/grade.js';
import { demoFactory } from '../grading/test-fixture.js';
import { createIngest, type Ingest } from '../ingest/ingest.js';
import { Registry } from '../registry/registry.js';
import { DiagnosisRepository } from '../services/diagnoses/repository.js';
import type { DiagnosisRun } from '../services/diagnoses/run.js';
import { GradingRepository } from '../services/grading/repository.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { Leases } from './leases.js';
import type { Db } from './types.js';

/** A fresh, empty repository per test (and a second handle on the same one, as a sibling instance has). */
export type MakeRepository = () => Promise<{ open: () => Db; dispose: () => Promise<void> }>;

/**
 * The one conformance suite every repository engine passes (embedded SQLite, PostgreSQL): the registry, the
 * ingest state (sessions, parking, dead letters, counters) through the real ingest processor, diagnosis runs,
 * leases, and the transaction contract itself. Expected values are written out by hand next to each test.
 * Register it in a test file: `describeRepositoryConformance('sqlite', make)`.
 */
export function describeRepositoryConformance(name: string, make: MakeRepository): void {
  describe(`repository conformance: ${name}`, () => {
    let repo: Awaited<ReturnType<MakeRepository>>;
    const handles: Db[] = [];
    const open = () => {
      const db = repo.open();
      handles.push(db);
      return db;
    };
    beforeEach(async () => {
      repo = await make();
    });
    afterEach(async () => {
      for (const h of handles.splice(0)) h.close();
      await repo.dispose();
    });

    it('transactions are all-or-nothing; a nested one rolls back alone; ids count up', () => {
      const db = open();
      db.exec(
        'CREATE TABLE IF NOT EXISTS t_conf (id INTEGER PRIMARY KEY AUTOINCREMENT, camelCase TEXT NOT NULL)',
      );
      const ins = db.prepare('INSERT INTO t_conf (camelCase) VALUES (?)');
      expect(Number(ins.run('a').lastInsertRowid)).toBe(1);
      expect(() =>
        db.transaction(() => {
          ins.run('b');
          throw new Error('boom');
        })(),
      ).toThrow('boom');
      db.transaction(() => {
        ins.run('c');
        try {
          db.transaction(() => {
            ins.run('d');
            throw new Error('inner');
          })();
        } catch {
          // the inner one only
        }
      }).immediate();
      const rows = db.prepare('SELECT camelCase FROM t_conf ORDER BY id').all() as { camelCase: string }[];
      expect(rows.map((r) => r.camelCase)).toEqual(['a', 'c']);
      expect(db.prepare('SELECT COUNT(*) AS n FROM t_conf WHERE camelCase = @v').get({ v: 'c' })).toEqual({
        n: 1,
      });
      expect(db.prepare('SELECT MAX(1, ?) AS m').get(5)).toEqual({ m: 5 });
    });

    it('a write that fails inside a transaction fails all of it, read or not; counts are right when read', () => {
      const db = open();
      db.exec('CREATE TABLE IF NOT EXISTS t_wb (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
      const ins = db.prepare('INSERT INTO t_wb (k, n) VALUES (?, ?)');
      ins.run('a', 1);
      expect(() =>
        db.transaction(() => {
          ins.run('b', 2);
          ins.run('a', 3); // unique violation; its result is never read
          db.prepare('UPDATE t_wb SET n = n + 10').run();
        })(),
      ).toThrow();
      expect(db.prepare('SELECT k, n FROM t_wb ORDER BY k').all()).toEqual([{ k: 'a', n: 1 }]);
      const changed = db.transaction(() => {
        ins.run('b', 2);
        const r = db.prepare('UPDATE t_wb SET n = n + 10 WHERE n < ?').run(5);
        return r.changes;
      })();
      expect(changed).toBe(2);
      expect(db.prepare('SELECT SUM(n) AS s FROM t_wb').get()).toEqual({ s: 23 });
    });

    it('registry: a birth on one handle is the same registry on a sibling handle', () => {
      const a = new Registry(open());
      const b = new Registry(open());
      a.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
      expect(b.agent(FACTORY, AGENT)).toMatchObject({ currentSessionId: 'session-0001', online: true });
      expect(b.devices(FACTORY).map((d) => d.id)).toEqual(['C1', 'M0', 'M1', 'M2']);
      expect(b.device(FACTORY, 'M2')).toMatchObject({
        kind: 'meter',
        medium: 'electricity',
        meterRole: 'equipment',
        parentMeter: 'M1',
        ratedPowerKw: 22,
        production: false,
        firstSeenMs: T0,
        lastSeenMs: null,
      });
      b.touchDevices(FACTORY, new Map([['M2', T0 + 5000]]));
      a.touchDevices(FACTORY, new Map([['M2', T0 + 1000]])); // older: last-seen never goes back
      expect(a.device(FACTORY, 'M2')?.lastSeenMs).toBe(T0 + 5000);
      b.patchDevice(FACTORY, 'M2', { name: '空压机 2' }, T0);
      expect(a.device(FACTORY, 'M2')).toMatchObject({ name: '空压机 2', overridden: ['name'] });
      const snap = a.snapshot(FACTORY);
      expect(snap.metrics.length).toBe(a.metrics(FACTORY).length);
      expect(snap.metrics.length).toBeGreaterThan(0);
      expect(a.applyDeath(FACTORY, AGENT, { sessionId: 'other', reason: 'will' } as never).applied).toBe(
        false,
      );
      expect(b.applyDeath(FACTORY, AGENT, { sessionId: 'session-0001', reason: 'will' } as never)).toEqual({
        applied: true,
        devicesOffline: 4,
      });
      expect(a.device(FACTORY, 'M0')?.online).toBe(false);
    });

    describe('ingest state through the real processor', () => {
      let ingests: Ingest[] = [];
      let store: EmbeddedStore;
      beforeEach(async () => {
        store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
        await store.init();
        ingests = [];
      });
      afterEach(async () => {
        for (const i of ingests) await i.stop();
        await store.close();
      });
      const instance = () => {
        const i = createIngest({
          registry: new Registry(open()),
          store,
          log: pino({ level: 'silent' }),
          mqtt: mqttConfigSchema.parse({}),
          ingest: ingestConfigSchema.parse({ rebirthMinIntervalMs: 0, autoRegisterFactories: true }),
          connect: false,
        });
        ingests.push(i);
        return i;
      };
      const send = (i: Ingest, kind: string, body: unknown) =>
        i.processor.handle(`xiang/v1/${FACTORY}/${AGENT}/${kind}`, Buffer.from(JSON.stringify(body)));
      const count = () =>
        store.countPoints(
          { factoryId: FACTORY, deviceId: 'M0', metric: 'activePower' },
          T0 - 1,
          T0 + 86_400_000,
        );

      it('data parked on one instance before the birth reaches the other is drained by the birth', async () => {
        const one = instance();
        const two = instance();
        await send(one, 'data', fixtureBatch('session-0001', 1, [[0, T0, 1]]));
        expect(await count()).toBe(0);
        expect(one.parking.count()).toBe(1);
        await send(two, 'birth', fixtureBirth('session-0001'));
        expect(await count()).toBe(1);
        expect(two.parking.count()).toBe(0);
      });

      it('data that read "unborn" just before a sibling applied the birth is stored, not parked for ever', async () => {
        const one = instance();
        const two = instance();
        await send(two, 'birth', fixtureBirth('session-0001'));
        // The race, made deterministic: one's first read of the session (outside the lock) predates the birth.
        const get = one.sessions.get.bind(one.sessions);
        let stale = 1;
        one.sessions.get = (f, a, s) => (stale-- > 0 ? undefined : get(f, a, s));
        await send(one, 'data', fixtureBatch('session-0001', 1, [[0, T0, 1]]));
        expect(one.parking.count()).toBe(0);
        expect(await count()).toBe(1);
        expect(two.sessions.isSeen(FACTORY, AGENT, 'session-0001', 1)).toBe(true);
      });

      it('a message handled by one instance is a duplicate on the other (redelivery after a crash)', async () => {
        const one = instance();
        const two = instance();
        await send(one, 'birth', fixtureBirth('session-0001'));
        const batch = fixtureBatch('session-0001', 1, [
          [0, T0, 10],
          [0, T0 + 1000, 11],
        ]);
        await send(one, 'data', batch);
        await send(two, 'data', batch);
        expect(await count()).toBe(2);
        expect(two.counters.totals()).toMatchObject({ pointsStored: 2, duplicates: 1 });
        expect(two.sessions.isSeen(FACTORY, AGENT, 'session-0001', 1)).toBe(true);
        expect(two.sessions.isSeen(FACTORY, AGENT, 'session-0001', 2)).toBe(false);
      });

      it('dead letters written by one instance are listed, numbered, by the other', async () => {
        const one = instance();
        const two = instance();
        await send(one, 'birth', fixtureBirth('session-0001'));
        await send(
          one,
          'data',
          fixtureBatch('session-0001', 1, [
            [0, T0, 1],
            [42, T0, 1],
          ]),
        );
        await send(one, 'data', { not: 'a batch' });
        const dl = two.deadLetters.list();
        expect(dl.map((d) => d.reason).sort()).toEqual(['schemaViolation', 'unknownMetricIndex']);
        expect(new Set(dl.map((d) => d.id)).size).toBe(2);
        expect(two.deadLetters.count(FACTORY)).toBe(2);
      });
    });

    it('diagnosis runs: visible to a sibling, results round-trip, only a dead owner’s runs are failed', () => {
      let alive = new Set(['i-1', 'i-2']);
      const isAlive = (id: string) => alive.has(id);
      const mine = new DiagnosisRepository(open(), { instanceId: 'i-1', isAlive });
      const sibling = new DiagnosisRepository(open(), { instanceId: 'i-2', isAlive });
      const run = (id: string): DiagnosisRun => ({
        id,
        factoryId: FACTORY,
        status: 'running',
        fromMs: T0,
        toMs: T0 + 86_400_000,
        options: {},
        requestedBy: 'test',
        source: 'api',
        createdAtMs: T0,
        startedAtMs: T0,
        finishedAtMs: null,
        progress: null,
        error: null,
        summary: null,
      });
      mine.insert(run('r1'));
      sibling.insert(run('r2'));
      expect(sibling.get('r1')).toMatchObject({ status: 'running', factoryId: FACTORY });
      expect(
        mine
          .list(FACTORY)
          .map((r) => r.id)
          .sort(),
      ).toEqual(['r1', 'r2']);
      // A sibling starting up leaves a live instance's run alone.
      expect(
        new DiagnosisRepository(open(), { instanceId: 'i-3', isAlive }).failOrphansAtStart(T0, 'x'),
      ).toBe(0);
      alive = new Set(['i-1']);
      expect(mine.failInterrupted(T0 + 1, 'interrupted')).toBe(1);
      expect(mine.get('r2')).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(mine.get('r1')?.status).toBe('running');
    });

    it('assessments: revisions and results saved on one instance are read on a sibling; a recomputed result replaces', () => {
      const assessment = assessmentSchema.parse({
        id: 'AS1',
        factoryId: FACTORY,
        frameworkId: 'cmmm-2020',
        frameworkVersion: '2020.1-xiang-draft',
        industry: 'discrete',
        createdAtMs: 1_000,
        updatedAtMs: 1_000,
      });
      const mine = new GradingRepository(open());
      const sibling = new GradingRepository(open());
      const first = gradeFactory({ indicatorInputs: demoFactory(), assessment, nowMs: 2_000 });
      expect(mine.saveAssessment(first.assessment)).toEqual({ revision: 1 });
      expect(sibling.saveAssessment(first.assessment)).toEqual({ revision: 2 });
      mine.recordResult(first.report);
      sibling.recordResult(first.report); // the same computation again: one result, not two
      expect(sibling.listAssessments(FACTORY).map((a) => [a.id, a.revisions])).toEqual([['AS1', 2]]);
      expect(sibling.progress(FACTORY, 'cmmm-2020').map((p) => p.assessmentId)).toEqual(['AS1']);
      expect(sibling.latestResult('AS1')?.result.totalScore).toBe(first.result.totalScore);
    });

    it('tokens: a token made on one instance is valid on a sibling (hashes round-trip as bytes)', () => {
      const token = 'conformance-admin-token-0123456789abcdef';
      const a = new TokenStore(open());
      const b = new TokenStore(open());
      expect(a.bootstrapAdmin(token).token).toBe(token);
      expect(b.bootstrapAdmin(token)).toMatchObject({ token, source: 'configured' });
      expect(b.verify(token)).not.toBeNull();
      expect(b.verify(`${token}x`)).toBeNull();
      const audit = new AuditLog(open());
      audit.record({
        actorTokenId: 'cli',
        actorName: 'test',
        action: 'factory.update',
        factoryId: FACTORY,
        target: FACTORY,
        detail: { n: 1 },
      });
      expect(new AuditLog(open()).list({ limit: 10, factoryId: FACTORY }).length).toBe(1);
      expect(new AuditLog(open()).list({ limit: 10 }).length).toBeGreaterThanOrEqual(1);
    });

    it('leases: one holder at a time, free again after expiry or release', () => {
      let now = T0;
      const a = new Leases(open(), 'a', () => now);
      const b = new Leases(open(), 'b', () => now);
      expect(a.tryAcquire('rollup', 10_000)).toBe(true);
      expect(b.tryAcquire('rollup', 10_000)).toBe(false);
      expect(b.holderOf('rollup')).toBe('a');
      now += 10_001;
      expect(b.holderOf('rollup')).toBe(null);
      expect(b.tryAcquire('rollup', 10_000)).toBe(true);
      expect(a.tryAcquire('rollup', 10_000)).toBe(false);
      b.release('rollup');
      expect(a.tryAcquire('rollup', 10_000)).toBe(true);
    });
  });
}
