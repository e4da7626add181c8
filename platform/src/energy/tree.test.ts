import { describe, expect, it } from 'vitest';
import { device, elecMeter, MONDAY } from './test-support.js';
import { buildMeteringTree, descendants } from './tree.js';

describe('metering tree', () => {
  it('orders depth-first and reports bad links without failing', () => {
    const tree = buildMeteringTree(
      [
        device('M0', 'meter', { meterRole: 'mainIncomer' }),
        device('F2', 'meter', { parentMeter: 'M0' }),
        device('F1', 'meter', { parentMeter: 'M0' }),
        device('E1', 'meter', { parentMeter: 'F1' }),
        device('G1', 'meter', { medium: 'naturalGas', parentMeter: 'M0' }),
        device('X1', 'meter', { parentMeter: 'GHOST' }),
        device('C1', 'meter', { parentMeter: 'C2' }),
        device('C2', 'meter', { parentMeter: 'C1' }),
      ],
      [elecMeter('M0', MONDAY, 4, () => 1)],
    );
    // The cycle is broken at C1, the gas meter and the orphan become roots of their own.
    expect(tree.roots).toEqual(['C1', 'G1', 'M0', 'X1']);
    const m0 = tree.order.indexOf('M0');
    expect(tree.order.slice(m0, m0 + 4)).toEqual(['M0', 'F1', 'E1', 'F2']); // subtree kept together
    expect(tree.nodes.get('E1')!.depth).toBe(2);
    const problems = tree.problems
      .filter((p) => p.problem !== 'noData')
      .map((p) => `${p.deviceId}:${p.problem}`);
    expect(problems).toEqual(expect.arrayContaining(['G1:mediumMismatch', 'X1:unknownParent', 'C1:cycle']));
    expect(tree.problems.find((p) => p.deviceId === 'F1')).toEqual({ deviceId: 'F1', problem: 'noData' });
    expect(descendants(tree, 'M0').sort()).toEqual(['E1', 'F1', 'F2']);
  });
});
