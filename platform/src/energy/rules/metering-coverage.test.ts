import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from '../test-support.js';
import { meteringCoverage } from './metering-coverage.js';

describe('rule 9a: metering coverage (GB 17167)', () => {
  it('counts required and installed meters at the three levels', () => {
    const reg = registry([
      device('M0', 'meter', { meterRole: 'mainIncomer' }),
      device('MWS1', 'meter', { meterRole: 'feeder', parentMeter: 'M0', assetPath: 'WS1' }),
      device('BIG', 'machine', { assetPath: 'WS1/L1/BIG', ratedPowerKw: 150, name: '热处理炉' }),
      device('CNC', 'machine', { assetPath: 'WS1/L1/CNC', ratedPowerKw: 30 }),
      device('SMALL', 'machine', { assetPath: 'WS2/L1/S', ratedPowerKw: 5 }),
      device('X', 'machine', { assetPath: 'WS3/L1/X' }),
    ]);
    reg.assets = [
      { factoryId: 'F1', path: 'WS1', level: 'workshop', name: '一车间' },
      { factoryId: 'F1', path: 'WS2', level: 'workshop', name: '二车间' },
      { factoryId: 'F1', path: 'WS3', level: 'workshop', name: '三车间' },
    ];
    const out = meteringCoverage.run(
      buildContext(input({ registry: reg, days: 1, meters: [elecMeter('M0', MONDAY, PER_DAY, () => 1)] })),
    );
    const ind = Object.fromEntries(out.indicators!.map((i) => [i.key.split(':')[2], i.value]));
    // Whole unit 1/1; WS2 (5 kW < 10 kW) is not a main secondary unit, WS3 (rating unknown) is and lacks a meter.
    expect(ind).toEqual({ wholeUnit: 100, secondaryUnit: 50, mainEquipment: 0 });
    const sec = out.findings.find((f) => f.id.endsWith('secondaryUnit'))!;
    expect(sec.severity).toBe('medium');
    expect(sec.evidence.table!.rows).toEqual([['WS3', '三车间', null]]);
    const eq = out.findings.find((f) => f.id.endsWith('mainEquipment'))!;
    expect(eq.evidence.table!.rows).toEqual([['BIG', '热处理炉', 150]]);
    expect(eq.evidence.figures.find((x) => x.key === 'requiredPct')!.value).toBe(95);
    // The period (March 2026) lies after GB 17167-2025 took effect (2026-02-01): the report says which edition it used.
    expect(out.notes!.map((n) => n.code)).toEqual(['gb17167Edition', 'unratedMachines']);
  });

  it('reports a missing main incomer as a whole-unit gap', () => {
    const reg = registry([device('MF', 'meter', { meterRole: 'feeder', assetPath: 'WS1' })]);
    const out = meteringCoverage.run(buildContext(input({ registry: reg, days: 1, meters: [] })));
    expect(out.findings.map((f) => [f.id, f.severity])).toEqual([
      ['meteringCoverage:electricity:wholeUnit', 'high'],
    ]);
  });
});
