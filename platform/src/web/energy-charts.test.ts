import { describe, expect, it } from 'vitest';

// The Sankey option: every node named, on a phone (issue #12 — the 390-px Sankey had no names at all) and at
// 1366 px, where the end meters' names overlapped (nodes of a column closer than a line of text).
(globalThis as { document?: unknown }).document ??= { documentElement: { dataset: {} } };
type Label = {
  show?: boolean;
  width?: number;
  overflow?: string;
  formatter: (p: { name: string }) => string;
};
type Series = {
  orient: string;
  label: Label & { fontSize: number; lineHeight: number; padding: number[] };
  nodeGap: number;
  labelLayout?: { hideOverlap?: boolean };
  data: { name: string; label?: { width?: number; overflow?: string } }[];
};
type Layout = { heightPx: number; nodeGapPx: number };
// A checked JS module without a declaration file: imported by a computed name, typed here.
const { sankeyLayout, sankeyOption } = (await import(['./static', 'energy-charts.js'].join('/'))) as {
  sankeyLayout: (flow: { links: { source: string; target: string }[] }, narrow: boolean) => Layout;
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

  for (const narrow of [true, false])
    it(`${narrow ? 'a phone' : 'a wide screen'}: nodes of a column are a name's line apart, each end node has its line`, () => {
      const series = sankeyOption(flow, 'zh-CN', narrow).series[0]!;
      const layout = sankeyLayout(flow, narrow);
      const lineBox = series.label.lineHeight + series.label.padding[0]! * 2;
      // Names are centred on their nodes: centres at least nodeGap apart never let two lines overlap.
      expect(series.nodeGap).toBe(layout.nodeGapPx);
      expect(series.nodeGap).toBeGreaterThanOrEqual(lineBox);
      expect(series.label.lineHeight).toBeGreaterThanOrEqual(series.label.fontSize);
      // 30 end nodes: their lines plus room for the flows.
      expect(layout.heightPx).toBeGreaterThanOrEqual(30 * lineBox + 200);
      // End nodes' names stay within the right margin; inner ones are not cut.
      const endItems = series.data.filter((d) => d.name.startsWith('E'));
      expect(endItems.every((d) => d.label?.overflow === 'truncate')).toBe(true);
      expect(series.data.find((d) => d.name === 'F')?.label).toBeUndefined();
      // Past the lines (a wide screen's long inner names) names are hidden rather than drawn over each other;
      // a phone with a line per end node hides none.
      expect(series.labelLayout?.hideOverlap).toBe(narrow ? undefined : true);
    });

  it('a tree too big for the height limit: the gap shrinks (names then hidden where they would overlap)', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ source: 'F', target: `E${i}` }));
    for (const narrow of [true, false]) {
      const l = sankeyLayout({ links: many }, narrow);
      expect(l.heightPx).toBeLessThanOrEqual(1800);
      expect(l.nodeGapPx).toBeLessThan(15);
      expect(l.nodeGapPx).toBeGreaterThanOrEqual(2);
      const big = {
        ...flow,
        links: [...flow.links, ...many.map((l) => ({ ...l, value: 1 }))],
      };
      expect(sankeyOption(big, 'zh-CN', narrow).series[0]!.labelLayout?.hideOverlap).toBe(true);
    }
    expect(sankeyLayout({ links: [{ source: 'a', target: 'b' }] }, true).heightPx).toBe(480);
    expect(sankeyLayout({ links: [{ source: 'a', target: 'b' }] }, false).heightPx).toBe(380);
  });
});
