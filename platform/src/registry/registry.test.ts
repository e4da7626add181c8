import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, FACTORY, fixtureBirth, fixtureMetrics, T0 } from '../../../tests/platform/fixtures.js';
import { type Db, openPlatformDb } from './db.js';
import { Registry } from './registry.js';

let db: Db;
let reg: Registry;
beforeEach(() => {
  db = openPlatformDb(':memory:');
  reg = new Registry(db);
});
afterEach(() => db.close());

describe('registry from births', () => {
  it('builds the asset tree factory → workshop → line → station with devices placed', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    const tree = reg.assetTree(FACTORY);
    expect(tree.level).toBe('factory');
    expect(tree.deviceIds).toEqual(['M0']);
    expect(tree.children.map((c) => [c.path, c.level, c.name])).toEqual([['WS1', 'workshop', '机加车间']]);
    const line = tree.children[0]?.children[0];
    expect([line?.path, line?.level, line?.name]).toEqual(['WS1/L1', 'line', '缸体线']);
    const station = line?.children[0];
    expect([station?.path, station?.level]).toEqual(['WS1/L1/ST1', 'station']);
    expect(station?.deviceIds).toEqual(['C1', 'M2']);
    expect(tree.children[0]?.deviceIds).toEqual(['M1']);
  });

  it('implies undeclared ancestors of device asset paths with levels by depth', () => {
    const b = fixtureBirth('session-0001');
    b.assets = [];
    b.devices.push({ id: 'X9', kind: 'sensor', assetPath: 'WS2/L7/ST2' });
    reg.applyBirth(FACTORY, AGENT, b, T0);
    expect(reg.assets(FACTORY).map((a) => `${a.path}:${a.level}`)).toEqual([
      'WS1:workshop',
      'WS1/L1:line',
      'WS1/L1/ST1:station',
      'WS2:workshop',
      'WS2/L7:line',
      'WS2/L7/ST2:station',
    ]);
  });

  it('records meters with medium, role and parent, and machines as production equipment', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    const m2 = reg.device(FACTORY, 'M2');
    expect(m2).toMatchObject({
      kind: 'meter',
      medium: 'electricity',
      meterRole: 'equipment',
      parentMeter: 'M1',
      ratedPowerKw: 22,
      production: false,
      online: true,
      agentId: AGENT,
      firstSeenMs: T0,
      lastSeenMs: null,
    });
    expect(reg.device(FACTORY, 'C1')?.production).toBe(true);
    expect(reg.device(FACTORY, 'M1')?.parentMeter).toBe('M0');
  });

  it('keeps the metric table as the union over births', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    const extra = {
      i: 8,
      deviceId: 'M1',
      key: 'energyImport',
      quantity: 'activeEnergyImport' as const,
      kind: 'counter' as const,
      datatype: 'double' as const,
      unit: 'kWh',
    };
    // The second birth lists only some metrics (e.g. a source was removed) plus a new one.
    const r = reg.applyBirth(
      FACTORY,
      AGENT,
      fixtureBirth('session-0002', { metrics: [fixtureMetrics[0]!, extra] }),
      T0 + 1000,
    );
    expect(r.newSession).toBe(true);
    const table = reg.metricTable(FACTORY, AGENT);
    expect([...table.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(table.get(8)?.key).toBe('energyImport');
    expect(reg.agent(FACTORY, AGENT)?.currentSessionId).toBe('session-0002');
  });

  it('reports a redefined index and a redelivered birth as not new', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    expect(reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0).newSession).toBe(false);
    const moved = fixtureMetrics.map((m) => (m.i === 3 ? { ...m, deviceId: 'C1', key: 'power' } : m));
    const r = reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0002', { metrics: moved }), T0);
    expect(r.redefinedIndices).toEqual([3]);
  });

  it('an old birth delivered after a newer one adds only missing metric indices', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0002', { timestamp: T0 + 1000 }), T0 + 1000);
    const old = fixtureBirth('session-0001', {
      timestamp: T0,
      metrics: [...fixtureMetrics, { ...fixtureMetrics[0]!, i: 9, key: 'reactivePower' }],
    });
    old.devices = old.devices.filter((d) => d.id !== 'C1');
    const r = reg.applyBirth(FACTORY, AGENT, old, T0 + 2000);
    expect(r).toMatchObject({ stale: true, newSession: false, absentDevices: [] });
    expect(reg.agent(FACTORY, AGENT)?.currentSessionId).toBe('session-0002');
    expect(reg.metricTable(FACTORY, AGENT).get(9)?.key).toBe('reactivePower');
    expect(reg.device(FACTORY, 'C1')?.online).toBe(true);
  });

  it('keeps person-entered overrides across later births', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    reg.patchDevice(FACTORY, 'M0', { meterRole: 'mainIncomer' });
    reg.patchDevice(FACTORY, 'M2', { parentMeter: 'M0', standbyPowerKw: 1.5 });
    reg.patchDevice(FACTORY, 'C1', { production: false, name: '加工中心 1', idlePowerKw: 4.3 });
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0002'), T0 + 60_000);
    expect(reg.device(FACTORY, 'M0')).toMatchObject({ meterRole: 'mainIncomer', overridden: ['meterRole'] });
    expect(reg.device(FACTORY, 'M2')).toMatchObject({ parentMeter: 'M0', standbyPowerKw: 1.5 });
    expect(reg.device(FACTORY, 'C1')).toMatchObject({
      production: false,
      name: '加工中心 1',
      idlePowerKw: 4.3,
    });
    // null removes the override: back to what the birth says.
    reg.patchDevice(FACTORY, 'M2', { parentMeter: null });
    expect(reg.device(FACTORY, 'M2')?.parentMeter).toBe('M1');
    // "" states that there is no upstream meter.
    reg.patchDevice(FACTORY, 'M1', { parentMeter: '' });
    expect(reg.device(FACTORY, 'M1')?.parentMeter).toBeUndefined();
    expect(reg.patchDevice(FACTORY, 'NOPE', { name: 'x' })).toBeUndefined();
  });

  it('drops the parent of a meter a person marks as main incomer', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    reg.patchDevice(FACTORY, 'M1', { meterRole: 'mainIncomer' });
    expect(reg.device(FACTORY, 'M1')?.parentMeter).toBeUndefined();
  });
});

describe('online state and history', () => {
  it('records birth, status, death transitions only when the state changes', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    const st = (seq: number, ts: number, online: boolean) =>
      reg.applyStatus(FACTORY, AGENT, {
        sessionId: 'session-0001',
        seq,
        timestamp: ts,
        devices: [{ id: 'M2', online, reason: online ? undefined : 'BadCommunicationError' }],
      });
    expect(st(1, T0 + 1000, false).changes).toBe(1);
    expect(st(2, T0 + 2000, false).changes).toBe(0);
    expect(st(3, T0 + 3000, true)).toEqual({ changes: 1, refused: [] });
    // A Will from an older session is ignored.
    expect(
      reg.applyDeath(FACTORY, AGENT, { sessionId: 'session-0000', reason: 'will' }, T0 + 4000).applied,
    ).toBe(false);
    expect(reg.applyDeath(FACTORY, AGENT, { sessionId: 'session-0001', reason: 'will' }, T0 + 5000)).toEqual({
      applied: true,
      devicesOffline: 4,
    });
    const m2 = reg.onlineHistory(FACTORY, { deviceId: 'M2' });
    expect(m2.map((t) => [t.atMs - T0, t.online, t.reason])).toEqual([
      [0, true, 'birth'],
      [1000, false, 'BadCommunicationError'],
      [3000, true, 'status: online'],
      [5000, false, 'agent death (will)'],
    ]);
    expect(reg.device(FACTORY, 'M2')).toMatchObject({ online: false, onlineSinceMs: T0 + 5000 });
    expect(reg.agent(FACTORY, AGENT)?.online).toBe(false);
  });

  it('marks devices that a later birth no longer lists offline', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    const b = fixtureBirth('session-0002', { timestamp: T0 + 10_000 });
    b.devices = b.devices.filter((d) => d.id !== 'C1');
    b.metrics = b.metrics.filter((m) => m.deviceId !== 'C1');
    expect(reg.applyBirth(FACTORY, AGENT, b, T0 + 10_000).absentDevices).toEqual(['C1']);
    expect(reg.device(FACTORY, 'C1')).toMatchObject({ online: false, onlineReason: 'absent from birth' });
  });

  it('snapshot gives the state at the window start followed by the window', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    reg.applyStatus(FACTORY, AGENT, {
      sessionId: 'session-0001',
      seq: 1,
      timestamp: T0 + 10_000,
      devices: [{ id: 'C1', online: false }],
    });
    reg.applyStatus(FACTORY, AGENT, {
      sessionId: 'session-0001',
      seq: 2,
      timestamp: T0 + 20_000,
      devices: [{ id: 'C1', online: true }],
    });
    const snap = reg.snapshot(FACTORY, { historyFromMs: T0 + 15_000 });
    const c1 = snap.onlineHistory.filter((t) => t.deviceId === 'C1').map((t) => [t.atMs - T0, t.online]);
    expect(c1).toEqual([
      [10_000, false],
      [20_000, true],
    ]);
    expect(snap.devices).toHaveLength(4);
    expect(snap.metrics).toHaveLength(8);
    expect(snap.factory).toMatchObject({ id: FACTORY, industry: 'discrete', powerFactorStandard: 0.9 });
    expect(() => reg.snapshot('NOPE')).toThrow(/unknown factory/);
  });
});

describe('factory profile and line settings', () => {
  it('stores an edited profile without being reset by births', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    reg.putFactory({
      id: FACTORY,
      name: '湘江精密机械',
      industry: 'discrete',
      province: '湖南',
      products: [{ id: 'P1', name: '缸体', unit: 'pcs' }],
      contractDemandKw: 800,
      powerFactorStandard: 0.9,
      transformers: [],
    });
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0002'), T0 + 1);
    expect(reg.factory(FACTORY)).toMatchObject({ name: '湘江精密机械', contractDemandKw: 800 });
    expect(reg.assetTree(FACTORY).name).toBe('湘江精密机械');
    reg.putLine({
      factoryId: FACTORY,
      path: 'WS1/L1',
      idealCycleTimeS: 42,
      outputCounter: { deviceId: 'C1', metric: 'goodCount' },
    });
    expect(reg.lines(FACTORY)).toEqual([
      {
        factoryId: FACTORY,
        path: 'WS1/L1',
        idealCycleTimeS: 42,
        outputCounter: { deviceId: 'C1', metric: 'goodCount' },
      },
    ]);
    expect(reg.deleteLine(FACTORY, 'WS1/L1')).toBe(true);
    expect(reg.lines(FACTORY)).toEqual([]);
  });

  it('persists in the SQLite file across reopen', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-reg-'));
    try {
      const file = path.join(dir, 'platform.db');
      const a = openPlatformDb(file);
      new Registry(a).applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
      new Registry(a).patchDevice(FACTORY, 'M0', { meterRole: 'mainIncomer' });
      a.close();
      const b = openPlatformDb(file);
      const r2 = new Registry(b);
      expect(r2.metricTable(FACTORY, AGENT).size).toBe(8);
      expect(r2.device(FACTORY, 'M0')?.meterRole).toBe('mainIncomer');
      b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
