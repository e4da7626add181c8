import { describe, expect, it } from 'vitest';
import { buildSlotGrid } from '../slots.js';
import { compileTariff, hunanTouTariff, TOU, type TouTariff, touTariffSchema, versionPrices } from './tou.js';

const at = (iso: string) => Date.parse(iso);
const old: TouTariff['versions'][number] = {
  validFrom: '2025-06-01',
  multipliers: { valley: 0.5, flat: 1, peak: 1.5 },
  flatPriceCnyPerKwh: 0.6,
  schedules: [
    {
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      periods: [
        { type: 'valley', start: '23:00', end: '07:00' }, // across midnight
        { type: 'flat', start: '07:00', end: '19:00' },
        { type: 'peak', start: '19:00', end: '23:00' },
      ],
    },
  ],
};
const tariff: TouTariff = {
  ...hunanTouTariff,
  versions: [old, { ...hunanTouTariff.versions[0]!, flatPriceCnyPerKwh: 0.6 }],
};
const compiled = compileTariff(tariff);
const names = ['valley', 'flat', 'peak', 'critical'];

function typesBetween(from: string, to: string) {
  const g = buildSlotGrid(at(from), at(to), undefined, compiled);
  return Array.from(g.tou, (x) => names[x]);
}

describe('time-of-use classification', () => {
  it('runs a valley period across midnight', () => {
    // 2025-06-15 22:00 → 2025-06-16 08:00 under the old version: peak to 23:00, valley 23:00–07:00, flat from 07:00.
    const t = typesBetween('2025-06-15T22:00:00+08:00', '2025-06-16T08:00:00+08:00');
    expect(t.slice(0, 4)).toEqual(['peak', 'peak', 'peak', 'peak']);
    expect(t.slice(4, 36).every((x) => x === 'valley')).toBe(true);
    expect(t.slice(36)).toEqual(['flat', 'flat', 'flat', 'flat']);
  });

  it('switches version at local midnight of validFrom and schedule at a month boundary', () => {
    // 30 June 22:00 → 1 July 02:00: old version peak to 23:00, valley to midnight, then 385号 valley.
    const g = buildSlotGrid(
      at('2025-06-30T22:00:00+08:00'),
      at('2025-07-01T02:00:00+08:00'),
      undefined,
      compiled,
    );
    expect(Array.from(g.touVersion)).toEqual([...Array(8).fill(0), ...Array(8).fill(1)]);
    // 31 Aug 19:00 → 1 Sep 01:00 under 385号: Aug peak to 20:00, critical 20–24; September starts in valley.
    const t = typesBetween('2025-08-31T19:00:00+08:00', '2025-09-01T01:00:00+08:00');
    expect(t).toEqual([...Array(4).fill('peak'), ...Array(16).fill('critical'), ...Array(4).fill('valley')]);
    // A December evening: peak 16–18, critical 18–22, peak 22–24.
    const d = typesBetween('2025-12-01T16:00:00+08:00', '2025-12-02T00:00:00+08:00');
    expect(d).toEqual([...Array(8).fill('peak'), ...Array(16).fill('critical'), ...Array(8).fill('peak')]);
  });

  it('prices each type from the flat price and the multipliers', () => {
    const p = versionPrices(hunanTouTariff.versions[0]!, 0.5);
    expect(p[TOU.valley]).toBeCloseTo(0.2, 12);
    expect(p[TOU.flat]).toBeCloseTo(0.5, 12);
    expect(p[TOU.peak]).toBeCloseTo(0.8, 12);
    expect(p[TOU.critical]).toBeCloseTo(0.96, 12); // peak × 1.2
    expect(versionPrices(hunanTouTariff.versions[0]!)).toEqual([null, null, null, null]); // no flat price shipped
  });

  it('counts the slots that fall before the first version', () => {
    const g = buildSlotGrid(
      at('2025-05-31T23:00:00+08:00'),
      at('2025-06-01T01:00:00+08:00'),
      undefined,
      compiled,
    );
    expect(g.slotsBeforeTariff).toBe(4);
  });

  it('rejects schedules that leave a gap, overlap, or miss a month', () => {
    const bad = {
      ...tariff,
      versions: [
        {
          ...old,
          schedules: [
            {
              months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
              periods: [{ type: 'flat', start: '00:00', end: '23:00' }],
            },
          ],
        },
      ],
    };
    const r = touTariffSchema.safeParse(bad);
    expect(r.success).toBe(false);
    const msgs = r.error!.issues.map((i) => i.message).join('\n');
    expect(msgs).toMatch(/23:00 is covered 0 times/);
    expect(msgs).toMatch(/month 12 must appear in exactly one schedule/);
    expect(
      touTariffSchema.safeParse({
        ...tariff,
        versions: [
          {
            ...old,
            schedules: [{ ...old.schedules[0], periods: [{ type: 'flat', start: '00:10', end: '24:00' }] }],
          },
        ],
      }).success,
    ).toBe(false);
  });
});
