import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.js';
import type { Finding } from './finding.js';
import { seriesFrom } from './series.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from './test-support.js';

/**
 * Missing data is never a number: over random plants whose series have NaN gaps (minute data, quarter-hours,
 * power, reactive energy), every number a rule puts into a finding's evidence (figures, table cells) is finite
 * or null. Found by `xiang diagnose` on the `npm start` data: the demand shaving took Math.max over a gap slot
 * beside an excursion and emitted NaN as the peak kW (the result then failed its schema).
 */
const MIN_PER_DAY = 1440;

type Plant = {
  days: number;
  baseKw: number;
  spikes: { atMin: number; lenMin: number; kw: number }[];
  /** Gaps as [start, length] in minutes, applied to every series of the chosen meters. */
  gaps: { atMin: number; lenMin: number; meter: number }[];
  contractDemandKw: number | null;
};

const plantArb = fc.record({
  days: fc.integer({ min: 1, max: 3 }),
  baseKw: fc.double({ min: 1, max: 500, noNaN: true }),
  spikes: fc.array(
    fc.record({
      atMin: fc.integer({ min: 0, max: 3 * MIN_PER_DAY - 1 }),
      lenMin: fc.integer({ min: 1, max: 240 }),
      kw: fc.double({ min: 1, max: 1000, noNaN: true }),
    }),
    { maxLength: 6 },
  ),
  gaps: fc.array(
    fc.record({
      atMin: fc.integer({ min: 0, max: 3 * MIN_PER_DAY - 1 }),
      lenMin: fc.integer({ min: 1, max: 600 }),
      meter: fc.integer({ min: 0, max: 2 }),
    }),
    { maxLength: 6 },
  ),
  contractDemandKw: fc.option(fc.double({ min: 10, max: 2000, noNaN: true }), { nil: null }),
});

/** kW per minute of meter k (production hours 08–17 on top of a base load), NaN inside its gaps. */
function minuteKw(p: Plant, k: number): number[] {
  const share = [1, 0.6, 0.4][k]!;
  return Array.from({ length: p.days * MIN_PER_DAY }, (_, m) => {
    if (p.gaps.some((g) => g.meter <= k && m >= g.atMin && m < g.atMin + g.lenMin)) return Number.NaN;
    const h = Math.floor(m / 60) % 24;
    let kw = p.baseKw * (h >= 8 && h < 17 ? 1 : 0.3);
    for (const s of p.spikes) if (m >= s.atMin && m < s.atMin + s.lenMin) kw += s.kw;
    return kw * share;
  });
}

function plantInput(p: Plant) {
  const n = p.days * PER_DAY;
  const reg = registry(
    [
      device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' }),
      device('M1', 'meter', { parentMeter: 'M0', name: '一车间', ratedPowerKw: p.baseKw }),
      device('M2', 'meter', { parentMeter: 'M0', name: '空压站', ratedPowerKw: p.baseKw / 2 }),
    ],
    p.contractDemandKw ? { contractDemandKw: p.contractDemandKw } : {},
  );
  const meters = [0, 1, 2].map((k) => {
    const kw = minuteKw(p, k);
    const quarter = (i: number) => kw.slice(i * 15, i * 15 + 15).reduce((a, b) => a + b, 0) / 15;
    const q = (i: number) => (Number.isNaN(quarter(i)) ? null : quarter(i));
    return elecMeter(`M${k}`, MONDAY, n, q, {
      minuteKwh: seriesFrom(
        MONDAY,
        kw.map((v) => (Number.isNaN(v) ? null : v / 60)),
        60_000,
      ),
      powerKw: seriesFrom(
        MONDAY,
        Array.from({ length: n }, (_, i) => q(i)),
      ),
      reactiveKvarh: seriesFrom(
        MONDAY,
        Array.from({ length: n }, (_, i) => {
          const v = q(i);
          return v === null ? null : v * 0.25 * 0.6;
        }),
      ),
    });
  });
  return input({
    registry: reg,
    days: p.days,
    meters,
    options: { demandPriceCnyPerKwMonth: 40, flatPriceCnyPerKwh: 0.7 },
  });
}

/** Every non-finite number in a finding's evidence, as "finding path". */
function nonFinite(f: Finding): string[] {
  const bad: string[] = [];
  for (const x of f.evidence.figures)
    if (typeof x.value === 'number' && !Number.isFinite(x.value)) bad.push(`${f.id} figure ${x.key}`);
  for (const [r, row] of (f.evidence.table?.rows ?? []).entries())
    for (const [c, cell] of row.entries())
      if (typeof cell === 'number' && !Number.isFinite(cell)) bad.push(`${f.id} table[${r}][${c}]`);
  return bad;
}

describe('no rule puts a non-finite number into evidence', () => {
  it('random plants with NaN gaps: every evidence figure and table cell is finite, null or text', () => {
    fc.assert(
      fc.property(plantArb, (p) => {
        const r = diagnose(plantInput(p));
        expect(r.findings.flatMap(nonFinite)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('a gap right before a demand excursion (the npm start case): the peak is the known maximum', () => {
    const p: Plant = {
      days: 1,
      baseKw: 100,
      spikes: [{ atMin: 615, lenMin: 20, kw: 80 }],
      gaps: [{ atMin: 590, lenMin: 20, meter: 0 }],
      contractDemandKw: 150,
    };
    const r = diagnose(plantInput(p));
    expect(r.findings.flatMap(nonFinite)).toEqual([]);
    const demand = r.findings.find((f) => f.rule === 'maxDemand' && f.evidence.table?.rows.length);
    expect(demand?.evidence.table?.rows[0]?.[1]).toBeCloseTo(180, 6);
  });
});
