import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, FACTORY, fixtureBirth, T0 } from '../../../../tests/platform/fixtures.js';
import { computeIndicators } from '../../grading/indicators/index.js';
import { type Db, openPlatformDb } from '../../registry/db.js';
import { Registry } from '../../registry/registry.js';

/**
 * equipment-online-ratio over history that arrives by backfill or replay (issue 10): the registry must date a
 * device from its birth, not from the wall-clock time the birth was ingested. On main firstSeenMs was the
 * ingest time (a year later here), so every period before it had no registered time: the ratio was null.
 */
const H = 3_600_000;
let db: Db;
let reg: Registry;
beforeEach(() => {
  db = openPlatformDb(':memory:');
  reg = new Registry(db);
});
afterEach(() => db.close());

describe('online ratio from a replayed birth', () => {
  it('dates devices from the birth timestamp and grades the replayed period like a live one', () => {
    const ingestedAt = T0 + 365 * 24 * H;
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-replay', { timestamp: T0 }), ingestedAt);
    expect(reg.device(FACTORY, 'C1')?.firstSeenMs).toBe(T0);
    const snapshot = reg.snapshot(FACTORY, { historyFromMs: T0 - H, historyToMs: T0 + 8 * H });
    const ind = computeIndicators({ snapshot, fromMs: T0, toMs: T0 + 8 * H, nowMs: ingestedAt, series: [] });
    const online = ind.find((i) => i.id === 'equipment-online-ratio');
    expect(online?.value).toBe(1);
    expect(online?.counts.registeredHours).toBeGreaterThan(0);
  });
});
