import { describe, expect, it } from 'vitest';
import { HeavyGate } from './gate.js';

describe('heavy-job gate', () => {
  it('one at a time, factories in turn, a full factory queue refused at once, the others unaffected', async () => {
    const gate = new HeavyGate({
      concurrency: 1,
      maxWaitingPerFactory: 2,
      refuse: (d) => new Error(`429 ${d}`),
    });
    const order: string[] = [];
    let release: () => void = () => {};
    const first = gate.run('A', () => new Promise<void>((r) => (release = r)).then(() => order.push('A0')));
    const jobs = [
      gate.run('A', async () => order.push('A1')),
      gate.run('A', async () => order.push('A2')),
      gate.run('B', async () => order.push('B1')),
    ];
    await expect(gate.run('A', async () => order.push('A3'))).rejects.toThrow(
      /429 2 heavy computations of factory "A"/,
    );
    expect(gate.state()).toEqual({ waiting: { A: 2, B: 1 }, running: 1, refusedTotal: 1 });
    release();
    await Promise.all([first, ...jobs]);
    // B waited behind the running job and one of A's turn, not behind A's whole queue.
    expect(order).toEqual(['A0', 'A1', 'B1', 'A2']);
    expect(gate.state()).toEqual({ waiting: {}, running: 0, refusedTotal: 1 });
  });

  it('a failing job frees its slot', async () => {
    const gate = new HeavyGate({ concurrency: 1, maxWaitingPerFactory: 4, refuse: (d) => new Error(d) });
    await expect(gate.run('A', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('A', async () => 42)).toBe(42);
    expect(gate.state().running).toBe(0);
  });
});
