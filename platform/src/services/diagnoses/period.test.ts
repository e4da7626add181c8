import { describe, expect, it } from 'vitest';
import { evaluatedPeriod } from './period.js';

/**
 * The evaluated period of a diagnosis (issue 9): the request clipped to the stored data and to now, on whole
 * quarter-hours. Expectations are written out by hand (instants as ISO strings, quarter-hours counted).
 */
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

describe('evaluatedPeriod', () => {
  it('"--from today-3 --to today": the rest of today after the last point is not evaluated', () => {
    // Local days 03-02 … 03-05 (UTC+8 midnight = 16:00Z the day before); data 03-02 00:00 … 03-05 09:37 local,
    // the run at 09:40 local.
    const p = evaluatedPeriod(
      { fromMs: ms('2025-03-01T16:00:00Z'), toMs: ms('2025-03-05T16:00:00Z') },
      { firstMs: ms('2025-03-01T16:00:00Z'), lastMs: ms('2025-03-05T01:37:00Z') },
      ms('2025-03-05T01:40:00Z'),
    );
    expect(p).not.toBeNull();
    expect(iso(p!.fromMs)).toBe('2025-03-01T16:00:00.000Z');
    // 01:37 closes the quarter-hour 01:15–01:30; 01:30–01:45 holds only 7 minutes of data.
    expect(iso(p!.toMs)).toBe('2025-03-05T01:30:00.000Z');
    expect(p!.clipped).toBe(true);
    // 3 days + 9.5 h of 4 days: (72 + 9.5) / 96.
    expect(p!.evaluatedShare).toBeCloseTo(81.5 / 96, 12);
    expect(p!.requested).toEqual({ fromMs: ms('2025-03-01T16:00:00Z'), toMs: ms('2025-03-05T16:00:00Z') });
  });

  it('the platform stopped two days ago: the period ends at the last stored point, not at now', () => {
    const p = evaluatedPeriod(
      { fromMs: ms('2025-03-01T00:00:00Z'), toMs: ms('2025-03-10T00:00:00Z') },
      { firstMs: ms('2025-02-01T00:00:00Z'), lastMs: ms('2025-03-06T12:00:00Z') },
      ms('2025-03-08T12:00:00Z'),
    );
    expect(iso(p!.fromMs)).toBe('2025-03-01T00:00:00.000Z');
    expect(iso(p!.toMs)).toBe('2025-03-06T12:00:00.000Z'); // a point exactly on 12:00 closes 11:45–12:00
    expect(p!.evaluatedShare).toBeCloseTo(5.5 / 9, 12);
  });

  it('data starting inside the period: the start moves to the first whole quarter-hour with data', () => {
    const p = evaluatedPeriod(
      { fromMs: ms('2025-03-01T00:00:00Z'), toMs: ms('2025-03-02T00:00:00Z') },
      { firstMs: ms('2025-03-01T06:05:00Z'), lastMs: ms('2025-03-03T00:00:00Z') },
      ms('2025-03-04T00:00:00Z'),
    );
    expect(iso(p!.fromMs)).toBe('2025-03-01T06:15:00.000Z');
    expect(iso(p!.toMs)).toBe('2025-03-02T00:00:00.000Z');
    expect(p!.clipped).toBe(true);
    expect(p!.evaluatedShare).toBeCloseTo(17.75 / 24, 12);
  });

  it('a period inside the data is kept as asked (not clipped, share 1)', () => {
    const req = { fromMs: ms('2025-03-01T00:00:00Z'), toMs: ms('2025-03-08T00:00:00Z') };
    const p = evaluatedPeriod(
      req,
      { firstMs: ms('2025-01-01T00:00:00Z'), lastMs: ms('2025-03-20T00:00:00Z') },
      ms('2025-04-01T00:00:00Z'),
    );
    expect(p).toMatchObject({ ...req, clipped: false, evaluatedShare: 1 });
  });

  it('no clock in the future: data stamped after now does not extend the period past now', () => {
    const p = evaluatedPeriod(
      { fromMs: ms('2025-03-01T00:00:00Z'), toMs: ms('2025-03-03T00:00:00Z') },
      { firstMs: ms('2025-03-01T00:00:00Z'), lastMs: ms('2025-03-02T23:00:00Z') },
      ms('2025-03-02T10:20:00Z'),
    );
    expect(iso(p!.toMs)).toBe('2025-03-02T10:15:00.000Z');
  });

  it('no data in the request, or none at all: nothing to evaluate (null), never a period of gaps', () => {
    const req = { fromMs: ms('2025-03-01T00:00:00Z'), toMs: ms('2025-03-02T00:00:00Z') };
    const now = ms('2025-04-01T00:00:00Z');
    expect(evaluatedPeriod(req, { firstMs: null, lastMs: null }, now)).toBeNull();
    expect(
      evaluatedPeriod(req, { firstMs: ms('2025-03-05T00:00:00Z'), lastMs: ms('2025-03-09T00:00:00Z') }, now),
    ).toBeNull();
    expect(
      evaluatedPeriod(req, { firstMs: ms('2025-02-01T00:00:00Z'), lastMs: ms('2025-02-28T00:00:00Z') }, now),
    ).toBeNull();
    // Only 10 minutes of data in the request: no whole quarter-hour.
    expect(
      evaluatedPeriod(req, { firstMs: ms('2025-02-01T00:00:00Z'), lastMs: ms('2025-03-01T00:10:00Z') }, now),
    ).toBeNull();
  });
});
