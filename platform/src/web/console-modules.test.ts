import { describe, expect, it } from 'vitest';
import {
  barChartSvg,
  lineChartSvg,
  linePath,
  niceScale,
  niceStep,
  scales,
  timeTicks,
} from './static/chart.js';
import {
  displayUnit,
  formatDuration,
  formatNumber,
  formatStatus,
  formatTick,
  formatTime,
  formatValue,
  parseDuration,
  qualityOf,
} from './static/format.js';
import { dictionaryKeys, label, t } from './static/i18n.js';
import { onlineSegments, onlineShare, timelineSvg } from './static/timeline.js';

// The console's pure browser modules, run in Node with exact expected values.

const T0 = Date.UTC(2024, 0, 8, 0, 0, 0); // 2024-01-08 08:00 in UTC+8

describe('format', () => {
  it('shows times in UTC+8 whatever the machine zone', () => {
    expect(formatTime(T0)).toBe('2024-01-08 08:00:00');
    expect(formatTime(Date.UTC(2024, 0, 7, 16, 0, 0))).toBe('2024-01-08 00:00:00');
    expect(formatTime(Date.UTC(2024, 11, 31, 23, 59, 30), { seconds: false })).toBe('2025-01-01 07:59');
    expect(formatTime(null)).toBe('—');
  });
  it('labels axis ticks with the date at local midnight', () => {
    expect(formatTick(Date.UTC(2024, 0, 7, 16, 0, 0), 3_600_000)).toBe('01-08');
    expect(formatTick(T0 + 15 * 60_000, 900_000)).toBe('08:15');
    expect(formatTick(T0, 86_400_000)).toBe('01-08');
  });
  it('formats numbers with units and sensible decimals', () => {
    expect(formatValue(12345.67, 'kWh')).toBe('12,346 kWh');
    expect(formatValue(123.456, 'kW')).toBe('123.5 kW');
    expect(formatValue(0.9254, '1')).toBe('0.925');
    expect(formatValue(21.5, 'Cel')).toBe('21.5 °C');
    expect(formatValue(3.25, 'm3/h')).toBe('3.25 m³/h');
    expect(formatValue(null, 'kW')).toBe('—');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1_234_567, 'en')).toBe('1,234,567');
    expect(displayUnit('m3')).toBe('m³');
    expect(displayUnit('1')).toBe('');
  });
  it('parses and prints durations', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('x')).toBeNull();
    expect(formatDuration(3_900_000, 'zh-CN')).toBe('1 小时 5 分');
    expect(formatDuration(90_061_000, 'en')).toBe('1 d 1 h');
    expect(formatDuration(42_000, 'en')).toBe('42 s');
  });
  it('reads OPC UA status severity', () => {
    expect(qualityOf(0)).toBe('good');
    expect(qualityOf(0x40920000)).toBe('uncertain');
    expect(qualityOf(0x80340000)).toBe('bad');
    expect(formatStatus(0x80340000)).toBe('0x80340000');
  });
});

describe('chart', () => {
  it('picks 1-2-5 steps and round scales', () => {
    expect(niceStep(19.4)).toBe(20);
    expect(niceStep(0.14)).toBe(0.2);
    expect(niceStep(3)).toBe(5);
    expect(niceScale(0, 97)).toEqual({ lo: 0, hi: 100, step: 20, ticks: [0, 20, 40, 60, 80, 100] });
    expect(niceScale(3.2, 3.9)).toEqual({ lo: 3.2, hi: 4, step: 0.2, ticks: [3.2, 3.4, 3.6, 3.8, 4] });
    // A flat series gets ±10 %: [4.5, 5.5] → step 1/5 = 0.2 → floor(22.5)·0.2 = 4.4 … ceil(27.5)·0.2 = 5.6.
    expect(niceScale(5, 5).ticks).toEqual([4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]);
  });
  it('puts time ticks on local (UTC+8) boundaries', () => {
    // 07:50 → 12:10 local: 4 h 20 min at ≤ 8 ticks → 1 h steps at 08:00 … 12:00 local.
    const from = T0 - 10 * 60_000;
    const to = T0 + 4 * 3_600_000 + 10 * 60_000;
    const { step, ticks } = timeTicks(from, to);
    expect(step).toBe(3_600_000);
    expect(ticks.map((x) => formatTick(x, step))).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00']);
    // Day steps start at local midnight (16:00 UTC), not UTC midnight.
    const days = timeTicks(T0, T0 + 7 * 86_400_000);
    expect(days.step).toBe(86_400_000);
    expect(days.ticks[0]).toBe(Date.UTC(2024, 0, 8, 16, 0, 0));
  });
  it('draws a path that breaks at gaps and marks isolated points', () => {
    const x = (tm: number) => tm;
    const y = (v: number) => 100 - v;
    const { d, isolated } = linePath(
      [
        { t: 0, v: 10 },
        { t: 10, v: 20 },
        { t: 20, v: null },
        { t: 30, v: 5 },
        { t: 40, v: null },
        { t: 50, v: 0 },
        { t: 60, v: 1 },
      ],
      x,
      y,
    );
    expect(d).toBe('M0,90L10,80M30,95M50,100L60,99');
    expect(isolated).toEqual([[30, 95]]);
  });
  it('maps data to the plot box', () => {
    const box = { width: 200, height: 100, left: 0, right: 0, top: 0, bottom: 0 };
    const { x, y } = scales(1000, 2000, 0, 50, box);
    expect([x(1000), x(1500), x(2000)]).toEqual([0, 100, 200]);
    expect([y(0), y(25), y(50)]).toEqual([100, 50, 0]);
  });
  it('builds an accessible line chart and escapes text', () => {
    const svg = lineChartSvg({
      idPrefix: 'c1',
      title: 'M1 <主进线>',
      desc: 'a & b',
      unitLabel: 'kW',
      fromMs: T0,
      toMs: T0 + 3_600_000,
      points: [
        { t: T0 + 600_000, v: 10 },
        { t: T0 + 1_200_000, v: 30 },
      ],
    });
    expect(svg).toContain('role="img" aria-labelledby="c1-title c1-desc"');
    expect(svg).toContain('<title id="c1-title">M1 &lt;主进线&gt;</title>');
    expect(svg).toContain('<desc id="c1-desc">a &amp; b</desc>');
    expect(svg).toMatch(/<path class="line" d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"\/>/);
    expect(svg).not.toContain('style=');
  });
  it('draws counter consumption as bars and gaps as gap bands, never zero bars', () => {
    const box = { width: 400, height: 200, left: 0, right: 0, top: 0, bottom: 100 };
    const svg = barChartSvg({
      idPrefix: 'b',
      box,
      fromMs: 0,
      toMs: 400,
      gapLabel: '缺数',
      bars: [
        { startMs: 0, endMs: 100, v: 50 },
        { startMs: 100, endMs: 200, v: null },
        { startMs: 200, endMs: 300, v: 100 },
        { startMs: 300, endMs: 400, v: 0 },
      ],
    });
    // y scale 0..100 over the 100-px plot: 50 → y 50, 100 → y 0, 0 → zero-height bar at the baseline.
    expect(svg).toContain('<rect class="bar" x="0" y="50" width="99" height="50"/>');
    expect(svg).toContain(
      '<rect class="gap" x="100" y="0" width="99" height="100"><title>缺数</title></rect>',
    );
    expect(svg).toContain('<rect class="bar" x="200" y="0" width="99" height="100"/>');
    expect(svg).toContain('<rect class="bar" x="300" y="100" width="99" height="0"/>');
    expect(svg.match(/class="bar"/g)).toHaveLength(3);
  });
});

describe('online timeline', () => {
  const H = 3_600_000;
  it('rebuilds segments from the transitions in the window', () => {
    const segs = onlineSegments(
      [
        { atMs: 2 * H, online: false },
        { atMs: 5 * H, online: true },
      ],
      { fromMs: 0, toMs: 10 * H, firstSeenMs: 0, onlineNow: true },
    );
    expect(segs).toEqual([
      { startMs: 0, endMs: 2 * H, online: true },
      { startMs: 2 * H, endMs: 5 * H, online: false },
      { startMs: 5 * H, endMs: 10 * H, online: true },
    ]);
    expect(onlineShare(segs)).toBe(0.7);
  });
  it('starts at first sight and keeps the current state without transitions', () => {
    const segs = onlineSegments([], { fromMs: 0, toMs: 10 * H, firstSeenMs: 4 * H, onlineNow: false });
    expect(segs).toEqual([{ startMs: 4 * H, endMs: 10 * H, online: false }]);
    expect(onlineShare(segs)).toBe(0);
    expect(Number.isNaN(onlineShare([]))).toBe(true);
  });
  it('draws one rect per segment', () => {
    const svg = timelineSvg(
      [
        { startMs: 0, endMs: 50, online: true },
        { startMs: 50, endMs: 100, online: false },
      ],
      { fromMs: 0, toMs: 100, title: 't', onlineLabel: 'on', offlineLabel: 'off', width: 100 },
    );
    expect(svg).toContain('<rect class="on" x="0" y="0" width="50" height="28"><title>on</title></rect>');
    expect(svg).toContain('<rect class="off" x="50" y="0" width="50" height="28"><title>off</title></rect>');
  });
});

describe('i18n', () => {
  it('has the same keys in Chinese and English', () => {
    const zh = dictionaryKeys('zh-CN').sort();
    const en = dictionaryKeys('en').sort();
    expect(zh.length).toBeGreaterThan(150);
    expect(en).toEqual(zh);
  });
  it('defaults to Chinese and fills placeholders', () => {
    expect(t('nav.assets')).toBe('资产树');
    expect(t('nav.assets', null, 'en')).toBe('Asset tree');
    expect(t('assets.onlineCount', { on: 3, total: 4 })).toBe('3/4 在线');
    expect(t('no.such.key')).toBe('no.such.key');
    expect(label('quantity', 'activePower', 'en')).toBe('Active power');
    expect(label('machineState', 3)).toBe('加工中');
    expect(label('medium', 'unobtainium')).toBe('unobtainium');
  });
});
