import { describe, expect, it } from 'vitest';
import { CAT, categoryOf, NO_VALUE, parseStateMapping } from './mapping.js';
import { opc, packml, samples } from './test-support.js';
import { buildRuns, markStopEvents, mergeStateAndMode, overlayUnknown, setupEnds } from './timeline.js';
import { addTotals, emptyTotals } from './types.js';

describe('state mapping', () => {
  it('maps OPC 40001 states with mode overrides', () => {
    expect(categoryOf(opc, 3, 3)).toBe('running');
    expect(categoryOf(opc, 3, 2)).toBe('setup');
    expect(categoryOf(opc, 2, 2)).toBe('setup');
    expect(categoryOf(opc, 1, 2)).toBe('unplannedStop'); // a fault during setup stays a fault
    expect(categoryOf(opc, 3, 1)).toBe('unplannedStop'); // maintenance mode
    expect(categoryOf(opc, 0, 3)).toBe('plannedStop');
    expect(categoryOf(opc, 2)).toBe('idle'); // no mode series
    expect(categoryOf(opc, 9, 3)).toBe('unknown');
    expect(categoryOf(opc, NO_VALUE, 3)).toBe('unknown');
  });

  it('maps PackML states', () => {
    expect(categoryOf(packml, 6, 1)).toBe('running');
    expect(categoryOf(packml, 5, 1)).toBe('idle');
    expect(categoryOf(packml, 9, 1)).toBe('unplannedStop');
    expect(categoryOf(packml, 6, 3)).toBe('setup');
  });

  it('rejects bad mapping data with the path of the problem', () => {
    expect(() =>
      parseStateMapping({
        id: 'x',
        version: '1',
        model: 'custom',
        source: 's',
        confidence: '❓',
        states: [
          { value: 1, name: 'a', category: 'running' },
          { value: 1, name: 'b', category: 'idle' },
        ],
      }),
    ).toThrow(/states\.1\.value: duplicate state 1/);
    expect(() =>
      parseStateMapping({ id: 'x', version: '1', model: 'custom', source: 's', confidence: '?', states: [] }),
    ).toThrow(/confidence/);
  });
});

describe('timeline', () => {
  it('merges state and mode series; mode holds until it changes; Bad quality → no value', () => {
    const s = mergeStateAndMode(
      [
        { tsMs: 10, value: 3 },
        { tsMs: 30, value: null },
        { tsMs: 40, value: 2 },
      ],
      [
        { tsMs: 5, value: 3 },
        { tsMs: 20, value: 2 },
        { tsMs: 40, value: 3 },
      ],
    );
    expect([...s.tsMs]).toEqual([10, 20, 30, 40]);
    expect([...s.state]).toEqual([3, 3, NO_VALUE, 2]);
    expect([...s.mode]).toEqual([3, 2, 2, 3]);
  });

  it('builds contiguous runs, merges equal categories and starts at the first sample', () => {
    const r = buildRuns(
      samples([
        [50, 3],
        [100, 3],
        [150, 2],
        [200, 1],
        [260, 3],
      ]),
      opc,
      { fromMs: 100, toMs: 300 },
    );
    expect(r.n).toBe(4);
    expect([...r.startMs.subarray(0, 4)]).toEqual([50, 150, 200, 260]);
    expect([...r.endMs.subarray(0, 4)]).toEqual([150, 200, 260, 300]);
    expect([...r.cat.subarray(0, 4)]).toEqual([CAT.running, CAT.idle, CAT.unplannedStop, CAT.running]);
    const stops = markStopEvents(r, 120); // the stop 150–260 lasts 110 ms
    expect([...stops.micro]).toEqual([0, 1, 1, 0]);
    expect(stops.eventStartMs[2]).toBe(150);
  });

  it('overlays offline intervals as unknown', () => {
    const r = buildRuns(samples([[0, 3]]), opc, { fromMs: 0, toMs: 100 });
    const o = overlayUnknown(r, [
      { startMs: 60, endMs: 70 },
      { startMs: 10, endMs: 20 },
      { startMs: 90, endMs: 150 },
    ]);
    expect([...o.startMs.subarray(0, o.n)]).toEqual([0, 10, 20, 60, 70, 90]);
    expect([...o.cat.subarray(0, o.n)]).toEqual([
      CAT.running,
      CAT.unknown,
      CAT.running,
      CAT.unknown,
      CAT.running,
      CAT.unknown,
    ]);
    expect(o.endMs[o.n - 1]).toBe(100);
  });

  it('dense 1 Hz samples give the same runs as the changes alone, aligned or not', () => {
    const n = 1003;
    const state = new Uint8Array(n + 1).fill(3);
    const mode = new Uint8Array(n + 1).fill(3);
    const changes: [number, number, number][] = [[0, 3, 3]];
    for (const [at, st, md] of [
      [5, 2, 3],
      [6, 3, 3],
      [97, 1, 1],
      [130, 3, 3],
      [131, 2, 2],
      [400, 3, 2],
      [401, 3, 3],
      [998, 0, 3],
    ] as const) {
      state.fill(st, at, n);
      mode.fill(md, at, n);
      changes.push([at * 1000, st, md]);
    }
    const ts = Float64Array.from({ length: n + 1 }, (_, i) => i * 1000);
    const sparse = buildRuns(samples(changes), opc, { fromMs: 0, toMs: n * 1000 });
    const flat = (r: ReturnType<typeof buildRuns>) => [
      ...r.startMs.subarray(0, r.n),
      ...r.endMs.subarray(0, r.n),
      ...r.cat.subarray(0, r.n),
    ];
    const aligned = buildRuns(
      { tsMs: ts.subarray(0, n), state: state.subarray(0, n), mode: mode.subarray(0, n) },
      opc,
      { fromMs: 0, toMs: n * 1000 },
    );
    expect(flat(aligned)).toEqual(flat(sparse));
    // byteOffset 1: the word-skipping path is off, the result must not change
    const shifted = new Uint8Array(n + 1);
    shifted.set(state.subarray(0, n), 1);
    const shiftedMode = new Uint8Array(n + 1);
    shiftedMode.set(mode.subarray(0, n), 1);
    const unaligned = buildRuns(
      { tsMs: ts.subarray(0, n), state: shifted.subarray(1), mode: shiftedMode.subarray(1) },
      opc,
      {
        fromMs: 0,
        toMs: n * 1000,
      },
    );
    expect(flat(unaligned)).toEqual(flat(sparse));
  });

  it('addTotals adds every field', () => {
    const ones = Object.fromEntries(Object.keys(emptyTotals()).map((k) => [k, 1])) as ReturnType<
      typeof emptyTotals
    >;
    expect(addTotals(emptyTotals(), ones)).toEqual(ones);
  });

  it('finds setup → running transitions', () => {
    const r = buildRuns(
      samples([
        [0, 3, 2],
        [10, 3, 3],
        [20, 2, 2],
        [30, 1, 3],
      ]),
      opc,
      { fromMs: 0, toMs: 40 },
    );
    expect(setupEnds(r)).toEqual([10]);
  });
});
