import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, input, MONDAY, PER_DAY, registry, SLOT, series } from '../test-support.js';
import type { MeterSeries, UnattributedQuantity } from '../types.js';
import { accountEnergy } from './index.js';

/**
 * A steam meter reporting on change: 0.1 t per quarter-hour while running, silent (no reading) 02:00–06:00
 * while idle; when it resumes, the rise across the silence (0.015 t) is unattributed — in no quarter-hour,
 * but consumed: the day's total holds it (hand-computed: 80 running slots × 0.1 + 0.015).
 */
function steam(rises: UnattributedQuantity[], nan: number[] = []): MeterSeries {
  return {
    deviceId: 'S0',
    medium: 'steam',
    unit: 't',
    consumption: series(MONDAY, PER_DAY, (i) => (nan.includes(i) ? null : i >= 8 && i < 24 ? 0 : 0.1)),
    consumptionSource: 'counter',
    counterResets: 0,
    counterRollovers: 0,
    unattributed: rises,
  };
}
const medium = (m: MeterSeries) =>
  accountEnergy(
    buildContext(
      input({
        registry: registry([device('S0', 'meter', { meterRole: 'utility', medium: 'steam' })]),
        days: 1,
        meters: [m],
      }),
    ),
  ).media.find((x) => x.medium === 'steam')!;

describe('rises across silent stretches in the medium totals', () => {
  const resumed = MONDAY + 24 * SLOT + 60_000; // 06:01, the first reading after the silence

  it('a rise whose silence lies inside the period is in its total, which stays fully covered', () => {
    const m = medium(steam([{ fromMs: MONDAY + 8 * SLOT, toMs: resumed, quantity: 0.015 }]));
    expect(m.quantity).toBeCloseTo(80 * 0.1 + 0.015, 12);
    expect(m.gapSlots).toBe(0);
  });

  it('a rise whose silence began before the period is counted, but the slots it spans are uncertain', () => {
    const m = medium(steam([{ fromMs: MONDAY - SLOT, toMs: resumed, quantity: 0.015 }]));
    expect(m.quantity).toBeCloseTo(80 * 0.1 + 0.015, 12);
    expect(m.gapSlots).toBe(25); // 00:00 through the quarter-hour of 06:01
  });

  it('a rise booked to an unknown quarter-hour is still consumption; a rise after the period is not', () => {
    const m = medium(
      steam(
        [
          { fromMs: MONDAY + 8 * SLOT, toMs: resumed, quantity: 0.015 },
          { fromMs: MONDAY + 90 * SLOT, toMs: MONDAY + PER_DAY * SLOT + 1, quantity: 7 },
        ],
        [24],
      ),
    );
    expect(m.quantity).toBeCloseTo(80 * 0.1 - 0.1 + 0.015, 12);
    expect(m.gapSlots).toBe(1);
  });
});
