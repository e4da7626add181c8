import { MAX_POINTS_PER_BATCH } from '@xiang/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, FACTORY, fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { ingestConfigSchema, mqttConfigSchema } from '../config/schema.js';
import { type Db, openPlatformDb } from '../registry/db.js';
import { Registry } from '../registry/registry.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { createIngest, type Ingest } from './ingest.js';

/** The real processor over in-memory SQLite and the real embedded store — only the broker is left out. */
let db: Db;
let registry: Registry;
let store: EmbeddedStore;
let ingest: Ingest;

async function setup(ingestOverrides: Record<string, unknown> = {}) {
  db = openPlatformDb(':memory:');
  registry = new Registry(db);
  store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
  ingest = createIngest({
    registry,
    store,
    log: pino({ level: 'silent' }),
    mqtt: mqttConfigSchema.parse({}),
    ingest: ingestConfigSchema.parse({
      rebirthMinIntervalMs: 0,
      autoRegisterFactories: true,
      ...ingestOverrides,
    }),
    connect: false,
  });
}
beforeEach(async () => setup());
afterEach(async () => {
  await ingest.stop();
  await store.close();
  db.close();
});

const topic = (kind: string, f = FACTORY, a = AGENT) => `xiang/v1/${f}/${a}/${kind}`;
const send = (kind: string, body: unknown, f = FACTORY, a = AGENT) =>
  ingest.processor.handle(
    topic(kind, f, a),
    Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  );
const count = (deviceId: string, metric: string) =>
  store.countPoints({ factoryId: FACTORY, deviceId, metric }, T0 - 86_400_000, T0 + 86_400_000);
const totals = () => ingest.counters.totals();

describe('ingest processor', () => {
  it('stores a batch after a birth, once, and skips an exact redelivery cheaply', async () => {
    await send('birth', fixtureBirth('session-0001'));
    const batch = fixtureBatch('session-0001', 1, [
      [0, T0, 10],
      [0, T0 + 1000, 11],
      [2, T0, 5],
    ]);
    await send('data', batch);
    await send('data', batch);
    expect(await count('M0', 'activePower')).toBe(2);
    expect(totals()).toMatchObject({ pointsStored: 3, duplicates: 1, messages: { birth: 1, data: 2 } });
    expect(registry.device(FACTORY, 'M0')?.lastSeenMs).toBe(T0 + 1000);
  });

  it('historical batches of an earlier born session in any order are accepted up to its freeze; replays store nothing twice', async () => {
    await send('birth', fixtureBirth('session-0001'));
    // The new session's birth names the old one and its last acknowledged seq: up to it, still in flight.
    const previous = { sessionId: 'session-0001', lastSeq: 8 };
    await send('birth', { ...fixtureBirth('session-0002', { timestamp: T0 + 1 }), previous });
    // Replayed batches of the earlier session, out of order, one of them twice with a different seq.
    await send('data', fixtureBatch('session-0001', 7, [[0, T0 + 7000, 7]], true));
    await send('data', fixtureBatch('session-0001', 3, [[0, T0 + 3000, 3]], true));
    await send('data', fixtureBatch('session-0001', 8, [[0, T0 + 3000, 3]], true));
    expect(await count('M0', 'activePower')).toBe(2);
    expect(totals().rebirthsRequested).toBe(0);
    await send('data', fixtureBatch('session-0001', 9, [[0, T0 + 9000, 9]], true));
    expect(await count('M0', 'activePower')).toBe(2);
    expect(totals().rejectedMessages).toEqual({ supersededSession: 1 });
  });

  it('rejects bad points with a counted reason and keeps the good ones of the same batch', async () => {
    await send('birth', fixtureBirth('session-0001'));
    await send(
      'data',
      fixtureBatch('session-0001', 1, [
        [0, T0, 1],
        [0, T0 + 1, 'high'],
        [42, T0, 1],
        [0, 5, 1],
        [4, T0, 2.5],
        [4, T0 + 1, 2],
      ] as never),
    );
    expect(await count('M0', 'activePower')).toBe(1);
    expect(await count('C1', 'state')).toBe(1);
    expect(totals().rejectedPoints).toEqual({
      wrongValueType: 2,
      unknownMetricIndex: 1,
      timestampOutOfRange: 1,
    });
    const dl = ingest.deadLetters.list();
    expect(dl.map((d) => [d.reason, d.pointCount]).sort()).toEqual([
      ['timestampOutOfRange', 1],
      ['unknownMetricIndex', 1],
      ['wrongValueType', 2],
    ]);
    expect(dl[0]?.payload).toContain('"sessionId":"session-0001"');
  });

  it('parks data that arrives before any birth, asks for a rebirth, and stores it once the birth arrives', async () => {
    await send(
      'data',
      fixtureBatch('session-0001', 1, [
        [0, T0, 1],
        [3, T0, 2],
      ]),
    );
    expect(ingest.parking.count()).toBe(1);
    expect(await count('M0', 'activePower')).toBe(0);
    expect(totals()).toMatchObject({ parked: 1, rebirthsRequested: 1 });
    await send('birth', fixtureBirth('session-0001'));
    expect(ingest.parking.count()).toBe(0);
    expect(await count('M0', 'activePower')).toBe(1);
    expect(await count('M2', 'activePower')).toBe(1);
    expect(totals()).toMatchObject({ unparked: 1, pointsStored: 2 });
  });

  it('parked points whose index even the birth lacks become dead letters after it', async () => {
    await send(
      'data',
      fixtureBatch('session-0001', 1, [
        [0, T0, 1],
        [99, T0, 2],
      ]),
    );
    await send('birth', fixtureBirth('session-0001'));
    expect(await count('M0', 'activePower')).toBe(1);
    expect(totals().rejectedPoints).toEqual({ unknownMetricIndex: 1 });
    expect(ingest.deadLetters.list()[0]?.detail).toMatch(/after birth: metric index 99/);
  });

  it('a sequence gap in the current session asks for a rebirth; a filled gap does not', async () => {
    await send('birth', fixtureBirth('session-0001'));
    await send('data', fixtureBatch('session-0001', 1, [[0, T0, 1]]));
    await send('data', fixtureBatch('session-0001', 2, [[0, T0 + 1, 1]]));
    expect(totals().rebirthsRequested).toBe(0);
    await send('data', fixtureBatch('session-0001', 4, [[0, T0 + 3, 1]]));
    expect(totals().rebirthsRequested).toBe(1);
    expect(ingest.sessions.firstMissing(FACTORY, AGENT, 'session-0001')).toBe(3);
    await send('data', fixtureBatch('session-0001', 3, [[0, T0 + 2, 1]]));
    expect(ingest.sessions.firstMissing(FACTORY, AGENT, 'session-0001')).toBeNull();
    expect(await count('M0', 'activePower')).toBe(4);
  });

  it('status updates device state; death of the current session takes the devices offline; a stale Will is ignored', async () => {
    await send('birth', fixtureBirth('session-0002'));
    await send('status', {
      sessionId: 'session-0002',
      seq: 1,
      timestamp: T0 + 5,
      devices: [{ id: 'M2', online: false, reason: 'BadNoCommunication' }],
    });
    expect(registry.device(FACTORY, 'M2')).toMatchObject({
      online: false,
      onlineReason: 'BadNoCommunication',
    });
    await send('death', { sessionId: 'session-0001', reason: 'will' });
    expect(registry.device(FACTORY, 'M0')?.online).toBe(true);
    expect(totals().staleDeaths).toBe(1);
    await send('death', { sessionId: 'session-0002', reason: 'shutdown', timestamp: T0 + 10 });
    expect(registry.devices(FACTORY).every((d) => !d.online)).toBe(true);
    expect(registry.device(FACTORY, 'M0')).toMatchObject({
      onlineSinceMs: T0 + 10,
      onlineReason: 'agent death (shutdown)',
    });
  });

  it('counts and dead-letters malformed messages per reason without throwing', async () => {
    await send('birth', fixtureBirth('session-0001'));
    await ingest.processor.handle('xiang/v1/F1', Buffer.from('{}'));
    await ingest.processor.handle('xiang/v1/F 1/A1/data', Buffer.from('{}'));
    await send('telemetry', {});
    await send('data', '{"sessionId": ');
    await ingest.processor.handle(topic('data'), Buffer.from([0xff, 0x00, 0x13, 0x37]));
    await send('data', { sessionId: 'session-0001', seq: -1, points: [] });
    await send('birth', {
      ...fixtureBirth('session-0003'),
      metrics: [...fixtureBirth('x').metrics, { ...fixtureBirth('x').metrics[0]!, key: 'dup' }],
    });
    const huge = Array.from({ length: MAX_POINTS_PER_BATCH + 1 }, (_, i) => [0, T0 + i, 1]);
    await send('data', fixtureBatch('session-0001', 1, huge as never));
    await send('data', fixtureBatch('session-0001', 2, [[0, T0, 1]]));
    expect(totals().rejectedMessages).toEqual({
      badTopic: 2,
      unknownKind: 1,
      invalidJson: 2,
      schemaViolation: 2,
      batchTooLarge: 1,
    });
    expect(await count('M0', 'activePower')).toBe(1);
    const binary = ingest.deadLetters
      .list({ reason: 'invalidJson' })
      .find((d) => d.payloadEncoding === 'base64');
    expect(binary?.payload).toBe(Buffer.from([0xff, 0x00, 0x13, 0x37]).toString('base64'));
    const dup = ingest.deadLetters.list({ reason: 'schemaViolation' })[0];
    expect(dup?.detail).toBe('metrics: index 0 is declared twice');
  });

  it('seeded fuzzing: mutated messages never throw, every message is counted, every good point is stored', async () => {
    let seed = 0x5eed;
    const rnd = () => {
      // mulberry32: deterministic, so a failure reproduces
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const junk = [null, true, -1, 1.5, 'x', '', [], {}, [[]], 2 ** 53, '{"a":', 'ü'];
    const mutate = (v: unknown, depth = 0): unknown => {
      if (depth > 3 || rnd() < 0.3) return pick(junk);
      if (Array.isArray(v))
        return v.map((x) => (rnd() < 0.3 ? mutate(x, depth + 1) : x)).filter(() => rnd() > 0.1);
      if (v && typeof v === 'object') {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v))
          if (rnd() > 0.1) o[k] = rnd() < 0.3 ? mutate(x, depth + 1) : x;
        return o;
      }
      return pick(junk);
    };
    await send('birth', fixtureBirth('session-0001'));
    const kinds = ['birth', 'data', 'status', 'death'];
    let seq = 0;
    let goodPoints = 0;
    for (let n = 0; n < 300; n++) {
      const kind = pick(kinds);
      const base =
        kind === 'birth'
          ? fixtureBirth('session-fuzz')
          : kind === 'data'
            ? fixtureBatch('session-0001', 10_000 + n, [
                [0, T0 + n, n],
                [4, T0 + n, 2],
              ])
            : kind === 'status'
              ? {
                  sessionId: 'session-0001',
                  seq: 10_000 + n,
                  timestamp: T0,
                  devices: [{ id: 'M0', online: true }],
                }
              : { sessionId: 'session-0000', reason: 'will' };
      const body =
        rnd() < 0.15
          ? Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)))
          : JSON.stringify(mutate(base));
      await expect(send(kind, body)).resolves.toBeUndefined();
      // A good batch after every mutated message.
      await send('data', fixtureBatch('session-0001', ++seq, [[0, T0 - 1_000_000 + seq, seq]]));
      goodPoints++;
    }
    expect(
      await store.countPoints(
        { factoryId: FACTORY, deviceId: 'M0', metric: 'activePower' },
        T0 - 1_000_000,
        T0 - 1_000_000 + seq + 1,
      ),
    ).toBe(goodPoints);
    const t = totals();
    const received = Object.values(t.messages).reduce((x, y) => x + y, 0);
    expect(received).toBe(1 + 300 + 300);
    expect(t.rejectedMessages.internalError).toBeUndefined();
  });

  it('payloads over the size bound are rejected before parsing', async () => {
    await ingest.stop();
    await setup({ maxPayloadBytes: 2048, deadLetterPayloadBytes: 100 });
    await send('data', { sessionId: 'session-0001', seq: 1, points: [[0, T0, 'x'.repeat(3000)]] });
    const [d] = ingest.deadLetters.list();
    expect(d).toMatchObject({ reason: 'payloadTooLarge', truncated: true });
    expect(d?.payload.length).toBe(100);
    expect(d?.payloadBytes).toBeGreaterThan(3000);
  });

  it('a full parking lot refuses the batch that does not fit: dead-lettered, counted', async () => {
    await ingest.stop();
    await setup({ parkMaxMessages: 2 });
    for (let seq = 1; seq <= 3; seq++)
      await send('data', fixtureBatch('session-0001', seq, [[0, T0 + seq, seq]]));
    expect(ingest.parking.count()).toBe(2);
    expect(totals().rejectedMessages).toEqual({ parkOverflow: 1 });
    expect(ingest.deadLetters.list()[0]).toMatchObject({ reason: 'parkOverflow', pointCount: 1 });
    await send('birth', fixtureBirth('session-0001'));
    expect(await count('M0', 'activePower')).toBe(2);
  });

  it('a store failure rejects (so the message stays unacknowledged) and records nothing as done', async () => {
    await send('birth', fixtureBirth('session-0001'));
    await store.close();
    await expect(send('data', fixtureBatch('session-0001', 1, [[0, T0, 1]]))).rejects.toThrow(
      /store write failed/,
    );
    expect(ingest.sessions.isSeen(FACTORY, AGENT, 'session-0001', 1)).toBe(false);
    expect(totals().pointsStored).toBe(0);
    // Counted once the redelivery succeeds, not for the failed attempt.
    expect(totals().messages).toEqual({ birth: 1 });
    store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  });
});
