import { describe, expect, it } from 'vitest';
import { L, opc, samples } from './test-support.js';
import { timeInState } from './time-in-state.js';

const D = '2024-03-04';
const MIN = 60_000;

describe('time in state', () => {
  it('holds each sample until the next, clips to the window, Bad and before-first are unknown', () => {
    const s = samples([
      [L(D, '07:00'), 3], // before the window: Executing holds into it
      [L(D, '08:30'), 2],
      [L(D, '09:00'), null], // Bad quality
      [L(D, '09:10'), 1],
      [L(D, '09:40'), 0],
      [L(D, '11:00'), 3], // after the window: says nothing
    ]);
    expect(timeInState(s, opc.stateNames, L(D, '08:00'), L(D, '10:00'))).toEqual({
      Executing: 30 * MIN,
      NotExecuting: 30 * MIN,
      unknown: 10 * MIN,
      OutOfService: 30 * MIN,
      NotAvailable: 20 * MIN,
    });
    // The first sample inside the window: the time before it is unknown.
    expect(timeInState(s, opc.stateNames, L(D, '06:00'), L(D, '08:00'))).toEqual({
      unknown: 60 * MIN,
      Executing: 60 * MIN,
    });
  });

  it('offline intervals become unknown, and the parts add up to the window', () => {
    const s = samples([[L(D, '08:00'), 3]]);
    const from = L(D, '08:00');
    const to = L(D, '12:00');
    const r = timeInState(s, opc.stateNames, from, to, [
      { startMs: L(D, '09:00'), endMs: L(D, '09:15') },
      { startMs: L(D, '11:50'), endMs: L(D, '13:00') },
    ]);
    expect(r).toEqual({ Executing: 215 * MIN, unknown: 25 * MIN });
    expect(Object.values(r).reduce((a, b) => a + b, 0)).toBe(to - from);
    expect(timeInState(samples([]), opc.stateNames, from, to)).toEqual({ unknown: to - from });
  });
});
