import { describe, expect, it } from 'vitest';
import { anyOf, quoteIdent, quoteString, seriesWhere, timeRange } from './influxql.js';
import { fieldString, parseSeriesKey, pointLine, seriesTags } from './line-protocol.js';

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
});
