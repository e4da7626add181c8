import { describe, expect, it } from 'vitest';
import { parseSse, sortAlarms } from './static/alarm-feed.js';
import {
  displayUnit,
  formatDuration,
  formatNumber,
  formatStatus,
  formatTick,
  formatTime,
  formatValue,
  oneLanguage,
  parseDuration,
  qualityOf,
} from './static/format.js';
import { dictionaryKeys, label, t } from './static/i18n.js';
import { coveredShare, defaultPeriod, wholeDaysPeriod } from './static/periods.js';
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
  it('shows one language of a bilingual server text, keeping units and Chinese-only text whole', () => {
    const schedule = '湖南省工商业分时电价 Hunan industrial & commercial time-of-use tariff';
    expect(oneLanguage(schedule)).toBe('湖南省工商业分时电价');
    expect(oneLanguage(schedule, 'en')).toBe('Hunan industrial & commercial time-of-use tariff');
    expect(oneLanguage('未设置平段电价 / no flat price set')).toBe('未设置平段电价');
    expect(oneLanguage('未设置平段电价 / no flat price set', 'en')).toBe('no flat price set');
    expect(oneLanguage('平段 0.6 元/kWh（代理购电）')).toBe('平段 0.6 元/kWh（代理购电）');
    expect(oneLanguage('平段 0.6 元/kWh', 'en')).toBe('平段 0.6 元/kWh');
    expect(oneLanguage('Flat tariff', 'zh-CN')).toBe('Flat tariff');
    expect(oneLanguage(null)).toBe('');
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

describe('periods follow the data', () => {
  const D = 86_400_000;
  const day = (d: string, hm = '00:00') => Date.parse(`${d}T${hm}:00+08:00`);
  const now = day('2025-03-20', '10:30');
  it('a default period longer than the data is clipped to where the data begins, and says so', () => {
    const extent = { firstMs: day('2025-03-17', '15:00'), lastMs: now - 60_000 };
    expect(defaultPeriod(extent, 30, { nowMs: now })).toMatchObject({
      fromMs: extent.firstMs,
      toMs: extent.lastMs + 1,
      clipped: true,
    });
    // Whole days for a report: the first whole day of data to yesterday.
    expect(wholeDaysPeriod(extent, 14, now)).toMatchObject({
      from: '2025-03-18',
      to: '2025-03-19',
      clipped: true,
    });
    // With a long history the default is the 14 days before today, not clipped.
    const long = { firstMs: day('2025-01-01'), lastMs: now - 60_000 };
    expect(wholeDaysPeriod(long, 14, now)).toMatchObject({
      from: '2025-03-06',
      to: '2025-03-19',
      clipped: false,
    });
  });
  it('data that stopped days ago ends the period there', () => {
    const extent = { firstMs: day('2025-01-01'), lastMs: day('2025-03-10', '12:00') };
    expect(wholeDaysPeriod(extent, 7, now)).toMatchObject({
      from: '2025-03-03',
      to: '2025-03-09',
      clipped: true,
    });
  });
  it('the share of a period inside the data', () => {
    const extent = { firstMs: day('2025-03-10'), lastMs: day('2025-03-20') };
    expect(coveredShare(extent, day('2025-03-05'), day('2025-03-15'))).toBe(0.5);
    expect(coveredShare(extent, day('2025-03-11'), day('2025-03-12'))).toBe(1);
    expect(coveredShare(null, 0, D)).toBe(0);
  });
});

describe('alarm feed', () => {
  it('parses Server-Sent Events split across chunks, ignoring comments', () => {
    const a = parseSse(
      'retry: 5000\n\n: keep-alive\n\nevent: raised\ndata: {"alarm":{"id":1}}\n\nevent: cle',
    );
    expect(a.events).toEqual([{ event: 'raised', data: '{"alarm":{"id":1}}' }]);
    const b = parseSse(`${a.rest}ared\r\ndata: {"alarm":\r\ndata: {"id":1}}\r\n\r\n`);
    expect(b.events).toEqual([{ event: 'cleared', data: '{"alarm":\n{"id":1}}' }]);
    expect(b.rest).toBe('');
  });
  it('lists the worst first, then the newest', () => {
    const a = (id: number, severity: string, startMs: number) => ({ id, severity, startMs }) as never;
    expect(
      sortAlarms([a(1, 'warning', 5), a(2, 'critical', 1), a(3, 'warning', 9)]).map(
        (x: { id: number }) => x.id,
      ),
    ).toEqual([2, 3, 1]);
  });
});
