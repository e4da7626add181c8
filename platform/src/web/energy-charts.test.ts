import { describe, expect, it } from 'vitest';

// The Sankey option on a phone: every node named (issue #12 — the 390-px Sankey had no names at all).
(globalThis as { document?: unknown }).document ??= { documentElement: { dataset: {} } };
type Label = {
  show?: boolean;
  width?: number;
  overflow?: string;
  formatter: (p: { name: string }) => string;
};
type Series = { orient: string; label: Label; data: { name: string }[] };
// A checked JS module without a declaration file: imported by a computed name, typed here.
const { narrowSankeyHeightPx, sankeyOption } = (await import(['./static', 'energy-charts.js'].join('/'))) as {
  narrowSankeyHeightPx: (flow: { links: { source: string; target: string }[] }) => number;
  sankeyOption: (flow: unknown, lang: string, narrow: boolean) => { series: Series[] };
};

const node = (id: string, name: string, parentId: string | null, quantity: number, kind = 'meter') => ({
  id,
  name,
  parentId,
  quantity,
  kind,
  coverage: 1,
  costCny: null,
});
const ends = Array.from({ length: 30 }, (_, i) => node(`E${i}`, `${i + 1}#设备`, 'F', 10 + i));
const flow = {
  unit: 'kWh',
  nodes: [node('M', '10kV总进线', null, 1000), node('F', '一车间馈线', 'M', 900), ...ends],
  links: [
    { source: 'M', target: 'F', value: 900 },
    ...ends.map((e) => ({ source: 'F', target: e.id, value: e.quantity })),
  ],
};

describe('sankeyOption', () => {
  for (const narrow of [true, false])
    it(`${narrow ? 'a phone' : 'a wide screen'}: every node drawn with its name`, () => {
      const series = sankeyOption(flow, 'zh-CN', narrow).series[0]!;
      expect(series.label.show).not.toBe(false);
      expect(series.orient).toBe('horizontal');
      const names = series.data.map((d) => series.label.formatter({ name: d.name }));
      expect(names).toHaveLength(32);
      for (const n of flow.nodes)
        expect(
          names.some((x) => x.startsWith(n.name)),
          n.name,
        ).toBe(true);
      if (narrow) expect(series.label).toMatchObject({ width: 90, overflow: 'truncate' });
    });

  it('a phone gives each end node a line of its own', () => {
    expect(narrowSankeyHeightPx(flow)).toBeGreaterThanOrEqual(30 * 16);
    expect(narrowSankeyHeightPx({ links: [{ source: 'a', target: 'b' }] })).toBe(480);
  });
});
