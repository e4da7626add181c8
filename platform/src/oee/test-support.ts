import { type ShiftCalendarInput, shiftCalendarSchema } from '@xiang/protocol';
import type { FactoryProfile, RegistrySnapshot } from '../registry/model.js';
import { compileMapping, defaultMappings, NO_VALUE } from './mapping.js';
import type { StateSamples } from './timeline.js';
import type { CountIncrements, MachineOeeInput } from './types.js';

/** Test helpers: local-time (UTC+8) timestamps and compact machine fixtures. Used by *.test.ts only. */

/** UTC ms of a local (UTC+8) wall-clock time, e.g. L('2024-03-04', '08:00'). */
export function L(date: string, hhmmss: string): number {
  const t = hhmmss.length === 5 ? `${hhmmss}:00` : hhmmss;
  return Date.parse(`${date}T${t}+08:00`);
}

export const opc = compileMapping(defaultMappings.opc40001);
export const packml = compileMapping(defaultMappings.packml);

/** [ms, state, mode?] → samples (mode omitted = 3 Processing; null state = Bad quality). */
export function samples(rows: [number, number | null, number?][]): StateSamples {
  return {
    tsMs: Float64Array.from(rows.map((r) => r[0])),
    state: Uint8Array.from(rows.map((r) => (r[1] === null ? NO_VALUE : r[1]))),
    mode: Uint8Array.from(rows.map((r) => r[2] ?? 3)),
  };
}

/** Equal increments over consecutive intervals: [startMs, endMs, good, reject] rows. */
export function increments(rows: [number, number, number, number][]): CountIncrements {
  return {
    startMs: Float64Array.from(rows.map((r) => r[0])),
    endMs: Float64Array.from(rows.map((r) => r[1])),
    good: Float64Array.from(rows.map((r) => r[2])),
    reject: Float64Array.from(rows.map((r) => r[3])),
  };
}

/** Regular grid of increments from `fromMs` every `stepMs`, values from a function of the interval start. */
export function grid(
  fromMs: number,
  toMs: number,
  stepMs: number,
  f: (startMs: number) => [number, number],
): CountIncrements {
  const rows: [number, number, number, number][] = [];
  for (let s = fromMs; s < toMs; s += stepMs) rows.push([s, s + stepMs, ...f(s)]);
  return increments(rows);
}

export function machine(
  deviceId: string,
  assetPath: string,
  extra: Partial<MachineOeeInput>,
): MachineOeeInput {
  return { deviceId, assetPath, mapping: opc, states: samples([]), ...extra };
}

export function calendar(c: ShiftCalendarInput) {
  return shiftCalendarSchema.parse(c);
}

export function snapshotWith(
  profile: Partial<FactoryProfile>,
  rest: Partial<Omit<RegistrySnapshot, 'factory'>> = {},
): RegistrySnapshot {
  return {
    factory: {
      id: 'F1',
      name: '测试工厂',
      industry: 'discrete',
      province: '湖南',
      products: [],
      powerFactorStandard: 0.9,
      transformers: [],
      ...profile,
    },
    assets: [],
    devices: [],
    metrics: [],
    lines: [],
    onlineHistory: [],
    ...rest,
  };
}
