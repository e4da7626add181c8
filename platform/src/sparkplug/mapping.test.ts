import { idSchema, metricKeySchema } from '@xiang/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agentIdFor,
  deviceAttrsFor,
  deviceIdFor,
  findGroup,
  matches,
  metricAttrsFor,
  metricKeyFromName,
  parseMapping,
  toId,
} from './mapping.js';
import { IndexBook } from './node-state.js';

const mapping = parseMapping({
  groups: [
    {
      group: 'Plant?',
      factory: 'F1',
      deviceId: '{node}-{device}',
      devices: [
        { match: 'PM*', kind: 'meter', assetPath: 'WS1', meterRole: 'feeder', medium: 'electricity' },
        { match: '*', kind: 'machine', assetPath: 'WS1/L1' },
      ],
      metrics: [
        { match: 'Active Power', device: 'PM*', key: 'activePower', quantity: 'activePower', unit: 'kW' },
        { match: 'Energy*', quantity: 'activeEnergyImport' },
      ],
    },
    { group: '*', factory: 'F2', agent: '{group}-{node}' },
  ],
});

describe('Sparkplug mapping file', () => {
  it('first matching group, device and metric rule wins; templates fill ids', () => {
    const g = findGroup(mapping, 'Plant1')!;
    expect(g.factory).toBe('F1');
    expect(findGroup(mapping, 'Plant10')!.factory).toBe('F2');
    expect(agentIdFor(g, 'Plant1', 'GW 1')).toBe('GW_1');
    expect(agentIdFor(findGroup(mapping, 'X')!, 'X', 'n')).toBe('X-n');
    expect(deviceIdFor(g, 'Plant1', 'GW1', 'PM-3')).toBe('GW1-PM-3');
    expect(deviceIdFor(g, 'Plant1', 'GW1')).toBe('GW1');
    expect(deviceAttrsFor(g, 'PM-3')).toEqual({
      kind: 'meter',
      assetPath: 'WS1',
      meterRole: 'feeder',
      medium: 'electricity',
    });
    expect(deviceAttrsFor(g, 'Press')).toEqual({ kind: 'machine', assetPath: 'WS1/L1' });
    expect(metricAttrsFor(g, 'PM-3', 'Active Power')).toEqual({
      key: 'activePower',
      quantity: 'activePower',
      unit: 'kW',
    });
    // The device filter: a machine's "Active Power" is not the meter rule's.
    expect(metricAttrsFor(g, 'Press', 'Active Power')).toEqual({
      key: 'Active_Power',
      quantity: 'other',
      unit: '',
    });
    expect(metricAttrsFor(g, 'Press', 'Energy/Total')).toEqual({
      key: 'Energy.Total',
      quantity: 'activeEnergyImport',
      unit: 'kWh',
    });
  });

  it('refuses a unit that is not the quantity’s canonical one, and an empty mapping', () => {
    expect(() =>
      parseMapping({
        groups: [{ group: 'G', factory: 'F', metrics: [{ match: 'P', quantity: 'activePower', unit: 'W' }] }],
      }),
    ).toThrow(/unit/);
    expect(() => parseMapping({ groups: [] })).toThrow();
    expect(() => parseMapping({ groups: [{ group: 'G', factory: 'bad/id' }] })).toThrow(/factory/);
  });

  it('patterns: a literal matches only itself, * matches anything, ? one character', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?]/.test(s)),
        fc.string(),
        (lit, other) => {
          expect(matches(lit, lit)).toBe(true);
          expect(matches(lit, other)).toBe(lit === other);
          expect(matches('*', other)).toBe(true);
          expect(matches(`${lit}*`, lit + other)).toBe(true);
          expect(matches('?', other)).toBe([...other].length === 1 || other.length === 1);
        },
      ),
    );
  });

  it('any Sparkplug name or id becomes a valid metric key / platform id', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(metricKeySchema.safeParse(metricKeyFromName(s)).success).toBe(true);
        expect(idSchema.safeParse(toId(s)).success).toBe(true);
      }),
    );
  });

  it('metric indices stay what the registry had and new ones never reuse an index', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom('D1', 'D2'), fc.constantFrom('a', 'b', 'c', 'd')), {
          selector: ([d, k]) => `${d}/${k}`,
        }),
        fc.array(fc.tuple(fc.constantFrom('D1', 'D2', 'D3'), fc.constantFrom('a', 'b', 'e'))),
        (existing, asked) => {
          const table = new Map(existing.map(([deviceId, key], i) => [i * 3, { deviceId, key }] as const));
          const book = new IndexBook(table);
          for (const [i, r] of table) expect(book.indexOf(r.deviceId, r.key)).toBe(i);
          const seen = new Map<number, string>();
          for (const [i, r] of table) seen.set(i, `${r.deviceId}/${r.key}`);
          for (const [d, k] of asked) {
            const i = book.indexOf(d, k);
            expect(seen.get(i) ?? `${d}/${k}`).toBe(`${d}/${k}`);
            seen.set(i, `${d}/${k}`);
          }
        },
      ),
    );
  });
});
