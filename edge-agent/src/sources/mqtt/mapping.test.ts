import { describe, expect, it } from 'vitest';
import { compilePath, lookup } from './json-path.js';
import { compileSubscription, mapMessage, parseTimestamp } from './mapping.js';
import { mqttSubscriptionSchema } from './schema.js';
import { compileTopicPattern, matchTopic } from './topic-pattern.js';

describe('JSON path', () => {
  const doc = { ts: 5, values: { flow: 2.5, 'odd key': 7 }, readings: [{ v: 1 }, { v: 2 }], n: null };
  const get = (p: string) => {
    const c = compilePath(p);
    if (typeof c === 'string') throw new Error(c);
    return lookup(doc, c);
  };
  it('follows members, quoted members and array indices (negative from the end)', () => {
    expect(get('$.values.flow')).toEqual({ found: true, value: 2.5 });
    expect(get("$.values['odd key']")).toEqual({ found: true, value: 7 });
    expect(get('$.readings[0].v')).toEqual({ found: true, value: 1 });
    expect(get('$.readings[-1].v')).toEqual({ found: true, value: 2 });
    expect(get('$.n')).toEqual({ found: true, value: null });
    expect(get('$')).toEqual({ found: true, value: doc });
  });
  it('reports missing values instead of throwing', () => {
    expect(get('$.values.power')).toEqual({ found: false });
    expect(get('$.readings[2].v')).toEqual({ found: false });
    expect(get('$.values[0]')).toEqual({ found: false });
    expect(get('$.ts.x')).toEqual({ found: false });
  });
  it('rejects invalid syntax with a message', () => {
    expect(compilePath('values.flow')).toMatch(/starting with "\$"/);
    expect(compilePath('$.a[x]')).toBe(
      'unexpected "[x]" in path "$.a[x]" (expected .name, [n] or [\'name\'])',
    );
  });
});

describe('topic patterns with named levels', () => {
  it('builds the broker filter and captures tags', () => {
    const p = compileTopicPattern('plant/+factory/utility/+device');
    if (typeof p === 'string') throw new Error(p);
    expect(p.filter).toBe('plant/+/utility/+');
    expect(matchTopic(p, 'plant/F1/utility/GAS1')).toEqual({ factory: 'F1', device: 'GAS1' });
    expect(matchTopic(p, 'plant/F1/utility/GAS1/extra')).toBeNull();
    expect(matchTopic(p, 'plant/F1/water/GAS1')).toBeNull();
    const m = compileTopicPattern('site/+/#');
    if (typeof m === 'string') throw new Error(m);
    expect(m.filter).toBe('site/+/#');
    expect(matchTopic(m, 'site/a/b/c')).toEqual({});
    expect(compileTopicPattern('a/#/b')).toBe('"#" must be the last level in "a/#/b"');
  });
});

describe('payload mapping', () => {
  const sub = compileSubscription(
    mqttSubscriptionSchema.parse({
      topic: 'plant/+f/+device',
      deviceId: '{device}',
      timestamp: { path: '$.ts', format: 'auto' },
      values: [
        { path: '$.values.flow', key: 'flow', quantity: 'volumeFlow' },
        { path: '$.readings[0].v', key: 'total', quantity: 'volume' },
        { path: '$.on', key: 'running', quantity: 'other', datatype: 'bool' },
      ],
    }),
  );
  const dt = (i: number) => ['double', 'double', 'bool'][i]!;
  const map = (payload: unknown, topic = 'plant/F1/G1') =>
    mapMessage(
      sub,
      topic,
      Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
      1_767_600_000_000,
      dt,
    );

  it('keeps the good values of a payload whose other values are missing or mistyped', () => {
    const r = map({ ts: 1_767_600_000, values: { flow: 'x' }, readings: [{ v: 12.5 }], on: true });
    expect(r.deviceId).toBe('G1');
    expect(r.tsMs).toBe(1_767_600_000_000); // auto: seconds
    expect(r.values).toEqual([
      { valueIndex: 1, value: 12.5, status: 0 },
      { valueIndex: 2, value: true, status: 0 },
    ]);
    expect(r.rejections.map((x) => x.reason)).toEqual(['wrongType']);
    expect(map({ ts: 1_767_600_000_123, values: {}, readings: [] }).rejections.map((x) => x.reason)).toEqual([
      'missingField',
      'missingField',
      'missingField',
    ]);
  });
  it('rejects whole messages for malformed JSON, non-objects, bad or missing time and bad device ids', () => {
    expect(map('{"ts": 1').rejections[0]!.reason).toBe('malformedJson');
    expect(map('42').rejections[0]!.reason).toBe('notAnObject');
    expect(map({ values: { flow: 1 } }).rejections[0]!.reason).toBe('missingTimestamp');
    expect(map({ ts: 'monday', values: { flow: 1 } }).rejections[0]!.reason).toBe('badTimestamp');
    expect(map({ ts: 1 }, 'plant/F1/bad device').rejections[0]!.reason).toBe('invalidDeviceId');
    expect(map({ ts: 1 }, 'other/F1/G1').rejections[0]!.reason).toBe('unknownTopic');
  });
  it('checks a unit stated in the payload and takes a per-value status code', () => {
    const withUnits = compileSubscription(
      mqttSubscriptionSchema.parse({
        topic: 'plant/+f/utility/+device',
        deviceId: '{device}',
        timestamp: { path: '$.ts' },
        values: [
          {
            path: '$.values.mass',
            unitPath: '$.units.mass',
            qualityPath: '$.quality.mass',
            key: 'mass',
            quantity: 'mass',
            unit: 't',
          },
          { path: '$.values.flow', unitPath: '$.units.flow', key: 'flow', quantity: 'massFlow' },
        ],
      }),
    );
    const r = mapMessage(
      withUnits,
      'plant/F1/utility/W1',
      Buffer.from(
        JSON.stringify({
          ts: 1_767_600_000_000,
          values: { mass: 3512.25, flow: 0.6 },
          units: { mass: 't', flow: 'L' },
          quality: { mass: 1083179008 },
        }),
      ),
      0,
      () => 'double',
    );
    expect(r.values).toEqual([{ valueIndex: 0, value: 3512.25, status: 1083179008 }]);
    expect(r.rejections).toEqual([
      { reason: 'wrongUnit', detail: 'plant/F1/utility/W1: $.units.flow says "L", configured unit is "t/h"' },
    ]);
  });

  it('parses epoch ms, epoch s and ISO 8601 with an offset', () => {
    expect(parseTimestamp(1_767_600_000_500, 'auto')).toBe(1_767_600_000_500);
    expect(parseTimestamp(1_767_600_000.5, 'epochS')).toBe(1_767_600_000_500);
    expect(parseTimestamp('2026-01-05T08:00:00+08:00', 'iso')).toBe(Date.UTC(2026, 0, 5, 0, 0, 0));
    expect(parseTimestamp('2026-01-05 08:00', 'iso')).toMatch(/ISO 8601/);
    expect(parseTimestamp('1767600000', 'epochMs')).toMatch(/epoch number/);
  });
});
