import { ValidationError } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadScenario, parseScenario, parseScenarioYaml } from './load.js';

async function tinyDoc(): Promise<Record<string, unknown>> {
  const { readFile } = await import('node:fs/promises');
  const { resolveScenarioPath } = await import('./load.js');
  return parse(await readFile(resolveScenarioPath('tiny'), 'utf8'));
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('scenario loading', () => {
  it('loads the shipped scenarios with the stated sizes', async () => {
    const hunan = await loadScenario('hunan-machining');
    const machines = hunan.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines));
    expect(hunan.workshops).toHaveLength(3);
    expect(hunan.workshops.flatMap((w) => w.lines)).toHaveLength(8);
    expect(machines).toHaveLength(58);
    expect(hunan.meters).toHaveLength(38);
    expect(hunan.faults.map((f) => f.type).sort()).toEqual(
      [
        'badQuality',
        'demandSpikes',
        'harmonicDistortion',
        'idleThroughBreaks',
        'lowPowerFactor',
        'meterDropout',
        'meterFreeze',
        'microStops',
        'offShiftBaseLoad',
        'offShiftBaseLoad',
        'phaseUnbalance',
      ].sort(),
    );
    const clean = await loadScenario('clean');
    expect(clean.faults).toEqual([]);
    expect(clean.meters).toEqual(hunan.meters);
    const tiny = await loadScenario('tiny');
    expect(tiny.meters).toHaveLength(5);
  });

  it('names the path of schema errors', async () => {
    const doc = await tinyDoc();
    const ws = (doc.workshops as { lines: { machines: Record<string, unknown>[] }[] }[])[0]!;
    ws.lines[0]!.machines[1]!.idleKw = 99; // above runningKw
    (doc.clock as Record<string, unknown>).tickSeconds = 7;
    (doc.meters as Record<string, unknown>[])[2]!.role = 'transformer';
    const issues = issuesOf(() => parseScenario(doc));
    expect(issues).toContain(
      'workshops[0].lines[0].machines[1].idleKw: expected standbyKw ≤ idleKw ≤ runningKw',
    );
    expect(issues.some((i) => i.startsWith('clock.tickSeconds: tickSeconds must divide 900'))).toBe(true);
    expect(issues.some((i) => i.startsWith('meters[2].role:'))).toBe(true);
  });

  it('names the path of broken references', async () => {
    const doc = await tinyDoc();
    const meters = doc.meters as Record<string, unknown>[];
    meters[1]!.parent = 'M-NOPE';
    meters[2]!.loads = ['CNC01']; // already measured by M-WS1
    (doc.faults as Record<string, unknown>[]).push(
      { id: 'x1', type: 'microStops', machines: ['CNC09'], perHour: 2, seconds: 90 },
      { id: 'x2', type: 'badQuality', device: 'M-MAIN', metric: 'voltage.L4' },
      { id: 'x3', type: 'lowPowerFactor', meter: 'M-AIR', powerFactor: 0.7 },
    );
    const issues = issuesOf(() => parseScenario(doc));
    expect(issues).toContain('meters[1].parent: unknown meter "M-NOPE"');
    expect(issues).toContain(
      'meters[2].loads[0]: machine "CNC01" is already measured by electricity meter "M-WS1"',
    );
    expect(issues).toContain('faults[2].machines[0]: unknown machine "CNC09"');
    expect(issues).toContain('faults[2].seconds: expected a multiple of the tick (60 s), got 90');
    expect(
      issues.some((i) => i.startsWith('faults[3].metric: device "M-MAIN" has no metric "voltage.L4"')),
    ).toBe(true);
    expect(issues).toContain('faults[4].meter: "M-AIR" is not an electricity meter');
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf(() => parseScenarioYaml('factory: { id: x\nseed: 1'));
    expect(issues[0]).toMatch(/^YAML syntax: .*line \d+/);
  });
});
