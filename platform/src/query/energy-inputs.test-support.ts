import { StatusCodes, shiftCalendarSchema } from '@xiang/protocol';
import { factoryProfileSchema, type RegistrySnapshot } from '../registry/model.js';
import type { StoredPoint } from '../store/types.js';
import { device, point, registryMetric } from './adapters.test-support.js';

/** A day of a small factory for the energy-inputs tests: meters, a water meter, a machine and its line. */
export const MON = Date.parse('2026-03-02T00:00:00+08:00');
const MIN = 60_000;
const H = 3_600_000;

export function snapshot(): RegistrySnapshot {
  return {
    factory: factoryProfileSchema.parse({
      id: 'F1',
      name: '测试厂',
      products: [{ id: 'P', name: '轴', unit: 'pcs' }],
      calendar: shiftCalendarSchema.parse({
        shifts: [{ name: 'd', start: '08:00', end: '17:00', breaks: [{ start: '12:00', end: '13:00' }] }],
      }),
    }),
    assets: [{ factoryId: 'F1', path: 'WS1/L1', level: 'line' }],
    devices: [
      { ...device('M0', 'meter', '', 0), medium: 'electricity', meterRole: 'mainIncomer' },
      { ...device('M1', 'meter', 'WS1', 0), medium: 'electricity', meterRole: 'feeder', parentMeter: 'M0' },
      { ...device('W1', 'meter', 'WS1', 0), medium: 'water', meterRole: 'utility' },
      { ...device('CNC1', 'machine', 'WS1/L1/CNC1', 0), production: true },
    ],
    metrics: [
      // Keys as the simulator names them; the adapter goes by quantity.
      { ...registryMetric('M0', 'energyImport', 'activeEnergyImport'), unit: 'kWh', kind: 'counter' },
      registryMetric('M0', 'activePower', 'activePower'),
      { ...registryMetric('M0', 'activePower.L1', 'activePower'), phase: 'L1' },
      { ...registryMetric('M0', 'reactiveEnergyImport', 'reactiveEnergyImport'), kind: 'counter' },
      { ...registryMetric('M0', 'voltage.L1', 'voltage'), phase: 'L1' },
      { ...registryMetric('M0', 'voltage.L2', 'voltage'), phase: 'L2' },
      { ...registryMetric('M0', 'voltage.L3', 'voltage'), phase: 'L3' },
      registryMetric('M0', 'voltageThd', 'voltageThd'),
      { ...registryMetric('M0', 'current.L2', 'current'), phase: 'L2' },
      registryMetric('M1', 'activePower', 'activePower'),
      { ...registryMetric('W1', 'volume', 'volume'), unit: 'm3', kind: 'counter' },
      registryMetric('W1', 'flow', 'volumeFlow'),
      registryMetric('CNC1', 'state', 'machineState'),
      { ...registryMetric('CNC1', 'goodCount', 'goodCount'), kind: 'counter' },
    ],
    lines: [
      {
        factoryId: 'F1',
        path: 'WS1/L1',
        outputCounter: { deviceId: 'CNC1', metric: 'goodCount' },
        productId: 'P',
      },
    ],
    onlineHistory: [],
  };
}

export function points(): StoredPoint[] {
  const pts: StoredPoint[] = [];
  for (let k = 0; k <= 1440; k++) {
    const t = MON + k * MIN;
    const h = k / 60;
    // M0: 40 kW counter that drops out 10:00–11:00 (a Bad sample, then silence); 30 kvar; voltages; THD 3 %.
    if (k === 600) pts.push(point('M0', 'energyImport', t, null, StatusCodes.BadCommunicationError));
    else if (!(k > 600 && k < 660)) pts.push(point('M0', 'energyImport', t, 1000 + 40 * h));
    pts.push(point('M0', 'activePower', t, 40), point('M0', 'activePower.L1', t, 13));
    pts.push(point('M0', 'reactiveEnergyImport', t, 500 + 30 * h));
    pts.push(
      point('M0', 'voltage.L1', t, 230),
      point('M0', 'voltage.L2', t, 231),
      point('M0', 'voltage.L3', t, 229),
    );
    pts.push(point('M0', 'voltageThd', t, 3));
    if (k % 60 === 0) pts.push(point('M0', 'current.L2', t, 0, StatusCodes.BadSensorFailure)); // a dead channel
    // W1: 2 m³/h in working hours only, published on change — silent (unchanged) at night.
    if (h >= 8 && h <= 17) pts.push(point('W1', 'volume', t, 100 + 2 * (h - 8)));
    if (h >= 8 && h < 17) pts.push(point('W1', 'flow', t, 2));
    if (k === 1020) pts.push(point('W1', 'flow', t, 0));
    // 1 part a minute in production, published on change only.
    const prod = h >= 8 && h < 17 && !(h >= 12 && h < 13);
    if (prod)
      pts.push(point('CNC1', 'goodCount', t, Math.round(60 * Math.min(h - 8, 4) + 60 * Math.max(0, h - 13))));
  }
  // M1 has no counter (energy from its power gauge) and publishes on change: 20 kW from 00:00, 30 kW from
  // 12:00, a Bad sample at 18:00, Good again with 25 kW from 20:00.
  pts.push(
    point('M1', 'activePower', MON, 20),
    point('M1', 'activePower', MON + 12 * H, 30),
    point('M1', 'activePower', MON + 18 * H, null, StatusCodes.BadCommunicationError),
    point('M1', 'activePower', MON + 20 * H, 25),
  );
  // W1's last reading the evening before and the first one the next morning frame the silent nights.
  // (No reading after the evening: the silent tail of the period is "unchanged" too.)
  pts.push(point('W1', 'volume', MON - H, 100));
  // The next morning's first sample: the counter did not move overnight (its evening is covered by this pair).
  pts.push(point('CNC1', 'goodCount', MON + 32 * H, 479));
  pts.push(
    point('CNC1', 'state', MON - 2 * H, 0), // in force at the period start (look-back)
    point('CNC1', 'state', MON + 8 * H, 3),
    point('CNC1', 'state', MON + 12 * H, 2),
    point('CNC1', 'state', MON + 13 * H, 3),
    point('CNC1', 'state', MON + 14 * H, 2, StatusCodes.BadSensorFailure), // Bad: ignored
    point('CNC1', 'state', MON + 17 * H, 0),
  );
  return pts;
}
