import { describe, expect, it } from 'vitest';
import { buildContext } from './context.js';
import { meterIdMatches } from './equipment-map.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from './test-support.js';

describe('machine ↔ meter and compressor ↔ flow meter mapping', () => {
  it('matches meter ids named after a device', () => {
    expect(meterIdMatches('M-HT-FN02', 'HT-FN02')).toBe(true);
    expect(meterIdMatches('M-AIR-AC01', 'AC01')).toBe(true);
    expect(meterIdMatches('M-AC01', 'AC01')).toBe(true);
    expect(meterIdMatches('M-XAC01', 'AC01')).toBe(false); // not at a separator
    expect(meterIdMatches('AC01', 'AC01')).toBe(true);
  });

  it('pairs each compressor with its own flow meter, never the shared header', () => {
    const air = (id: string) => ({
      deviceId: id,
      medium: 'compressedAir' as const,
      unit: 'm3' as const,
      consumption: series(MONDAY, PER_DAY, () => 1),
      consumptionSource: 'counter' as const,
      counterResets: 0,
      counterRollovers: 0,
    });
    const reg = registry([
      device('M-AC01', 'meter', {
        meterRole: 'equipment',
        assetPath: 'WS3/PWR',
        name: '1#空压机',
        measures: ['AC01'],
      }),
      // Declared the other way: the meter itself is declared a compressor (lag), the machine is undeclared.
      device('M-AC02', 'meter', {
        meterRole: 'equipment',
        assetPath: 'WS3/PWR',
        name: '2#空压机',
        equipment: { class: 'airCompressor', role: 'lag' },
      }),
      device('AC01', 'machine', {
        assetPath: 'WS3/PWR/AC01',
        name: '1#螺杆空压机',
        standbyPowerKw: 0.8,
        equipment: { class: 'airCompressor', role: 'lead' },
      }),
      device('AC02', 'machine', { assetPath: 'WS3/PWR/AC02', name: '2#螺杆空压机' }),
      // A name alone makes no compressor.
      device('M-KY', 'meter', { meterRole: 'feeder', assetPath: 'WS3', name: '空压站配电柜' }),
      device('M-AIR', 'meter', { medium: 'compressedAir', meterRole: 'utility', assetPath: 'WS3/PWR' }),
      device('M-AIR-AC01', 'meter', {
        medium: 'compressedAir',
        meterRole: 'submeter',
        parentMeter: 'M-AIR',
        assetPath: 'WS3/PWR',
      }),
      device('M-HT-FN02', 'meter', { meterRole: 'equipment', assetPath: 'WS2/HT' }),
      device('HT-FN02', 'machine', { assetPath: 'WS2/HT/HT-FN02' }),
    ]);
    const ctx = buildContext(
      input({
        registry: reg,
        days: 1,
        meters: [
          elecMeter('M-AC01', MONDAY, PER_DAY, () => 5),
          elecMeter('M-AC02', MONDAY, PER_DAY, () => 5),
          elecMeter('M-HT-FN02', MONDAY, PER_DAY, () => 50),
          elecMeter('M-KY', MONDAY, PER_DAY, () => 12),
          air('M-AIR'),
          air('M-AIR-AC01'),
        ],
      }),
    );
    expect(ctx.compressors).toEqual([
      {
        meterId: 'M-AC01',
        airMeterId: 'M-AIR-AC01',
        standbyPowerKw: 0.8,
        standbyDeclared: true,
        role: 'lead',
        source: 'declared',
        machineIds: ['AC01'],
      },
      {
        meterId: 'M-AC02',
        airMeterId: null,
        standbyPowerKw: 0,
        standbyDeclared: false,
        role: 'lag',
        source: 'declared',
        machineIds: ['AC02'],
      },
    ]);
    expect(Object.fromEntries(ctx.machines.map((m) => [m.deviceId, [m.meterId, m.meterSource]]))).toEqual({
      AC01: ['M-AC01', 'declared'],
      AC02: ['M-AC02', 'inferred'],
      'HT-FN02': ['M-HT-FN02', 'inferred'],
    });
  });
});
