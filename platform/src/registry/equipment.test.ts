import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, FACTORY, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { type Db, openPlatformDb } from './db.js';
import { Registry } from './registry.js';
import { migrateRegistry } from './sql.js';

let db: Db;
let reg: Registry;
beforeEach(() => {
  db = openPlatformDb(':memory:');
  reg = new Registry(db);
});
afterEach(() => db.close());

/** A birth whose compressor meter declares its equipment (as the simulator's agent config does). */
function birthWithEquipment(session: string) {
  const b = fixtureBirth(session);
  const m2 = b.devices.find((d) => d.id === 'M2')!;
  m2.equipment = {
    class: 'airCompressor',
    role: 'lag',
    nominalVoltageKv: 0.38,
    operatingProfile: 'productionFollowing',
    standbyPowerKw: 0.8,
    nameplate: { model: 'LG-22', year: 2016, efficiencyClass: 'GB 19153 3级' },
  };
  m2.measures = ['C1'];
  return b;
}

describe('declared equipment in the registry (issue 9 §1)', () => {
  it('keeps what the birth declares: class, role, voltage, profile, standby, nameplate, measured devices', () => {
    reg.applyBirth(FACTORY, AGENT, birthWithEquipment('session-0001'), T0);
    const d = reg.device(FACTORY, 'M2')!;
    expect(d.equipment).toEqual({
      class: 'airCompressor',
      role: 'lag',
      nominalVoltageKv: 0.38,
      operatingProfile: 'productionFollowing',
      standbyPowerKw: 0.8,
      nameplate: { model: 'LG-22', year: 2016, efficiencyClass: 'GB 19153 3级' },
    });
    expect(d.measures).toEqual(['C1']);
    // The declared standby power is the device's standby unless a person says otherwise.
    expect(d.standbyPowerKw).toBe(0.8);
    expect(reg.device(FACTORY, 'M1')?.equipment).toBeUndefined();
    expect(reg.snapshot(FACTORY).devices.find((x) => x.id === 'M2')?.equipment?.class).toBe('airCompressor');
  });

  it('overlays a person’s corrections field by field; they survive later births; null hands a field back', () => {
    reg.applyBirth(FACTORY, AGENT, birthWithEquipment('session-0001'), T0);
    reg.patchDevice(FACTORY, 'M2', { equipment: { role: 'lead', nominalVoltageKv: 10 } }, T0);
    reg.applyBirth(FACTORY, AGENT, birthWithEquipment('session-0002'), T0 + 1000);
    let d = reg.device(FACTORY, 'M2')!;
    expect(d.equipment).toMatchObject({ class: 'airCompressor', role: 'lead', nominalVoltageKv: 10 });
    expect(d.overridden).toEqual(['equipment.nominalVoltageKv', 'equipment.role']);
    reg.patchDevice(FACTORY, 'M2', { equipment: { role: null } }, T0);
    d = reg.device(FACTORY, 'M2')!;
    expect(d.equipment?.role).toBe('lag');
    expect(d.overridden).toEqual(['equipment.nominalVoltageKv']);
    reg.patchDevice(FACTORY, 'M2', { equipment: null }, T0);
    expect(reg.device(FACTORY, 'M2')!.overridden).toEqual([]);
    expect(reg.device(FACTORY, 'M2')!.equipment?.nominalVoltageKv).toBe(0.38);
  });

  it('a person can declare equipment of a device whose birth says nothing about it', () => {
    reg.applyBirth(FACTORY, AGENT, fixtureBirth('session-0001'), T0);
    reg.patchDevice(FACTORY, 'M1', { equipment: { class: 'switchboard' }, measures: [] }, T0);
    expect(reg.device(FACTORY, 'M1')).toMatchObject({ equipment: { class: 'switchboard' }, measures: [] });
  });

  it('migrates a registry file written before the equipment columns existed', () => {
    const old = openPlatformDb(':memory:');
    old.exec(`CREATE TABLE devices (factoryId TEXT NOT NULL, id TEXT NOT NULL, agentId TEXT NOT NULL,
      kind TEXT NOT NULL, assetPath TEXT NOT NULL, name TEXT, medium TEXT, meterRole TEXT, parentMeter TEXT,
      ratedPowerKw REAL, source TEXT, online INTEGER NOT NULL, onlineSinceMs INTEGER, onlineReason TEXT,
      firstSeenMs INTEGER NOT NULL, lastSeenMs INTEGER, PRIMARY KEY (factoryId, id))`);
    old.exec(
      `INSERT INTO devices VALUES ('f', 'D1', 'a', 'meter', '', 'x', NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 1, NULL)`,
    );
    migrateRegistry(old);
    migrateRegistry(old); // idempotent
    const r = new Registry(old);
    expect(r.device('f', 'D1')).toMatchObject({ id: 'D1', name: 'x' });
    expect(r.device('f', 'D1')?.equipment).toBeUndefined();
    old.close();
  });
});
