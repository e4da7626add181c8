import { describe, expect, it } from 'vitest';
import { packed, toSummaries } from '../rollup/pack.js';
import { summarize } from '../rollup/summary.js';
import { anyOf, quoteIdent, quoteString, seriesWhere, timeRange } from './influxql.js';
import { fieldString, parseSeriesKey, pointLine, rollupPageLine, seriesTags } from './line-protocol.js';

describe('InfluxQL escaping', () => {
  it('escapes quotes, backslashes and newlines in string literals', () => {
    expect(quoteString(`it's`)).toBe(`'it\\'s'`);
    expect(quoteString('end\\')).toBe(`'end\\\\'`);
    expect(quoteString(`x' OR '1'='1`)).toBe(`'x\\' OR \\'1\\'=\\'1'`);
    expect(quoteString('a\nb')).toBe(`'a\\nb'`);
  });
  it('escapes identifiers', () => {
    expect(quoteIdent('my"db')).toBe(`"my\\"db"`);
    expect(quoteIdent('rp')).toBe('"rp"');
  });
  it('builds series filters and time ranges', () => {
    expect(seriesWhere({ factoryId: 'F1', deviceId: `d'1`, metric: 'm' })).toBe(
      `"factory" = 'F1' AND "device" = 'd\\'1' AND "metric" = 'm'`,
    );
    expect(timeRange(1000, 2000)).toBe('time >= 1000ms AND time < 2000ms');
    expect(timeRange(-5, 10)).toBe('time >= 0ms AND time < 10ms');
    expect(anyOf('device', ['a', `b'`])).toBe(`("device" = 'a' OR "device" = 'b\\'')`);
  });
});

describe('line protocol', () => {
  const k = { factoryId: 'F 1', deviceId: 'a,b=c', metric: 'voltage.L1' };
  it('escapes tag separators and writes flags and status on every point', () => {
    expect(seriesTags(k)).toBe('device=a\\,b\\=c,factory=F\\ 1,metric=voltage.L1');
    expect(pointLine({ ...k, tsMs: 1704067200000, value: 1.5, status: 0 })).toBe(
      'points,device=a\\,b\\=c,factory=F\\ 1,metric=voltage.L1 k=1i,s=0i,v=1.5 1704067200000',
    );
    expect(pointLine({ ...k, tsMs: 5, value: null, status: 2147483648 })).toBe(
      'points,device=a\\,b\\=c,factory=F\\ 1,metric=voltage.L1 k=0i,s=2147483648i 5',
    );
    expect(pointLine({ ...k, tsMs: 5, value: 2, status: 0, text: 'x' })).toMatch(/ k=3i,s=0i,t="x",v=2 5$/);
  });
  it('quotes text fields exactly, including the backslash-quote sequence', () => {
    expect(fieldString(`say "hi" \\' \\`)).toBe(`"say \\"hi\\" \\\\' \\\\"`);
  });
  it('parses SHOW SERIES keys with escapes back into tags', () => {
    expect(parseSeriesKey('points,device=a\\,b\\=c,factory=F\\ 1,metric=voltage.L1')).toEqual({
      device: 'a,b=c',
      factory: 'F 1',
      metric: 'voltage.L1',
    });
  });
  it('writes a rollup page as one base64 field that decodes to the same summaries', () => {
    const hour = summarize([{ tsMs: 3_600_000, value: 0.1, status: 0, text: null }], 0, 1, 3_600_000);
    const line = rollupPageLine('rollup_1h', 'device=d,factory=F,metric=m', 0, [hour]);
    const m = /^rollup_1h,device=d,factory=F,metric=m buckets=1i,p="([A-Za-z0-9+/=]+)" 0$/.exec(line);
    expect(m).not.toBeNull();
    const bytes = Buffer.from(m?.[1] ?? '', 'base64');
    expect(bytes.byteLength).toBe(22 * 8);
    expect(toSummaries(new Float64Array(new Uint8Array(bytes).buffer))).toEqual([hour]);
    expect(toSummaries(packed([hour]))).toEqual([hour]);
  });
});
