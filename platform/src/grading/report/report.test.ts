import { describe, expect, it } from 'vitest';
import { assessmentSchema } from '../assessment.js';
import { gradeFactory } from '../grade.js';
import { demoFactory } from '../test-fixture.js';
import { renderGradingHtml } from './html.js';
import { escapeXml, radarPoint, radarSvg } from './radar.js';
import { gradingReportSchema, REPORT_SCHEMA_VERSION } from './schema.js';

describe('radar chart (pure SVG)', () => {
  it('places axes clockwise from 12 o’clock', () => {
    expect(radarPoint(0, 4, 100, 200)).toEqual([200, 100]);
    expect(radarPoint(1, 4, 100, 200)).toEqual([300, 200]);
    expect(radarPoint(2, 4, 100, 200)).toEqual([200, 300]);
    expect(radarPoint(3, 4, 100, 200)).toEqual([100, 200]);
  });

  it('draws the data polygon at each value, clamped to 0..1, with escaped labels', () => {
    const svg = radarSvg(
      [
        { label: 'A<1>', value: 1 },
        { label: 'B', value: 0.5 },
        { label: 'C', value: 2 },
        { label: 'D', value: -1 },
      ],
      { size: 400 },
    );
    // r = 0.32 × 400 = 128 around (200, 200)
    expect(svg).toContain('<polygon points="200,72 264,200 200,328 200,200" fill="rgba(192,57,43,0.25)"');
    expect(svg).toContain('A&lt;1&gt;');
    expect(svg.match(/<polygon/g)).toHaveLength(6); // five rings + data
  });

  it('falls back to bars for fewer than three axes', () => {
    const svg = radarSvg([{ label: 'x', value: 0.5, display: '50%' }], { size: 360 });
    expect(svg).toContain('<rect x="120" y="10" width="100" height="18"');
    expect(escapeXml(`"&'`)).toBe('&quot;&amp;&#39;');
  });
});

describe('grading report', () => {
  const run = gradeFactory({
    indicatorInputs: demoFactory(),
    assessment: assessmentSchema.parse({
      id: 'R1',
      factoryId: 'F1',
      frameworkId: 'cmmm-2020',
      frameworkVersion: '2020.1-xiang-draft',
      industry: 'discrete',
      createdAtMs: 0,
      updatedAtMs: 0,
    }),
    nowMs: Date.parse('2024-03-04T16:00:00+08:00'),
  });

  it('is stable, versioned JSON that round-trips through its schema', () => {
    expect(run.report.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(gradingReportSchema.parse(JSON.parse(JSON.stringify(run.report)))).toEqual(run.report);
    expect(run.report.gaps.map((g) => g.rank)).toEqual(run.report.gaps.map((_, i) => i + 1));
    expect(run.report.indicators.map((i) => i.id)).toContain('equipment-networking-rate');
    expect(run.report.unverifiedRules.length).toBeGreaterThan(5);
  });

  it('telemetry alone cannot reach level 1 (documents are needed) and the gap list says so', () => {
    expect(run.result.level).toBe(0);
    const first = run.report.gaps[0];
    expect(first?.level).toBe(1);
    expect(first?.blocking).toBe(true);
    expect(run.report.gaps.every((g) => (g.level ?? 0) <= 1)).toBe(true);
  });

  it('renders times in the factory’s local time and escapes every text', () => {
    const html = renderGradingHtml({ ...run.report, factory: { ...run.report.factory, name: '<b>厂</b>' } });
    expect(html).toContain('&lt;b&gt;厂&lt;/b&gt;');
    expect(html).toContain('2024-03-04 16:00');
    expect(html).toContain('未达到一级');
  });
});
