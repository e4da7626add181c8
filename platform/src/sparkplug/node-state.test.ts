import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMapping } from './mapping.js';
import { EdgeNodeSession, IndexBook } from './node-state.js';
import type { SparkplugMetric } from './payload.js';

const rule = parseMapping({ groups: [{ group: 'G', factory: 'F' }] }).groups[0]!;
const metric = (name: string | undefined, alias: number | undefined, datatype = 10): SparkplugMetric => ({
  ...(name !== undefined ? { name } : {}),
  ...(alias !== undefined ? { alias: String(alias) } : {}),
  datatype,
  isNull: false,
  raw: { field: 'none' },
});

/** Devices of one edge node, each with metric names; aliases are unique across the node (spec §6.4.6). */
const nodeArb = fc.uniqueArray(fc.constantFrom('D1', 'D2', 'D3', 'D4'), { minLength: 1 }).chain((devices) =>
  fc.tuple(
    fc.constant(devices),
    fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'Power/L1'), { minLength: 1 }), {
      minLength: devices.length,
      maxLength: devices.length,
    }),
  ),
);

describe('aliases of an edge node session', () => {
  it('an alias resolves to its own device’s metric only, the same one its name resolves to; a DDEATH forgets them', () => {
    fc.assert(
      fc.property(nodeArb, fc.nat(1000), ([devices, names], aliasBase) => {
        const s = new EdgeNodeSession(rule, 'G', 'N', 0, 'spb-0-1', 0, new IndexBook([]));
        let alias = aliasBase;
        const declared: { device: string; name: string; alias: number }[] = [];
        devices.forEach((d, k) => {
          const ms = (names[k] ?? []).map((n) => {
            declared.push({ device: d, name: n, alias: ++alias });
            return metric(n, alias);
          });
          s.define(d, ms);
        });
        for (const x of declared) {
          const byAlias = s.resolve(x.device, metric(undefined, x.alias));
          expect(byAlias).toBeDefined();
          expect(byAlias).toBe(s.resolve(x.device, metric(x.name, undefined)));
          for (const other of devices)
            if (other !== x.device) expect(s.resolve(other, metric(undefined, x.alias))).toBeUndefined();
        }
        const gone = devices[0]!;
        s.forgetDevice(gone);
        for (const x of declared) {
          const r = s.resolve(x.device, metric(undefined, x.alias));
          if (x.device === gone) expect(r).toBeUndefined();
          else expect(r?.name).toBe(x.name);
        }
      }),
    );
  });

  it('metric indices are distinct per (device, key) and the birth lists every born device', () => {
    const s = new EdgeNodeSession(rule, 'G', 'N', 0, 'spb-0-1', 0, new IndexBook([]));
    s.define(undefined, [metric('bdSeq', undefined, 8), metric('Uptime', 1, 4)]);
    s.define('D1', [metric('a', 2), metric('b', 3, 14)]);
    const b = s.birth(1_800_000_000_000);
    expect(b.devices.map((d) => d.id)).toEqual(['N', 'D1']);
    expect(b.metrics.map((m) => [m.deviceId, m.key, m.datatype])).toEqual([
      ['N', 'Uptime', 'int'],
      ['D1', 'a', 'double'],
    ]);
    expect(new Set(b.metrics.map((m) => m.i)).size).toBe(2);
    expect(s.birth(1_800_000_000_001).seq).toBe(1);
  });
});
