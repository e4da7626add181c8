import { ValidationError } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { parseConfigText, validateConfig } from './load.js';

const base = () => ({
  factoryId: 'F1',
  agentId: 'edge-1',
  dataDir: './data',
  uplink: { url: 'mqtt://127.0.0.1:1883' },
  sources: [
    {
      type: 'opcua',
      name: 'plc1',
      endpoint: 'opc.tcp://127.0.0.1:4840',
      nodes: [
        { deviceId: 'M1', key: 'activePower', nodeId: 'ns=2;s=M1.activePower', quantity: 'activePower' },
        {
          deviceId: 'M1',
          key: 'energyImport',
          nodeId: 'nsu=urn:x;s=M1.e',
          quantity: 'activeEnergyImport',
          unit: 'Wh',
        },
      ],
    },
    {
      type: 'mqtt',
      name: 'util',
      broker: { url: 'mqtt://127.0.0.1:1883' },
      subscriptions: [
        {
          topic: 'plant/+factory/utility/+device',
          deviceId: '{device}',
          values: [{ path: '$.values.flow', key: 'flow', quantity: 'volumeFlow' }],
        },
      ],
    },
  ],
});

function issuesOf(raw: unknown): string[] {
  try {
    validateConfig(raw, '/etc/xiang');
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  return [];
}

describe('config validation', () => {
  it('accepts a good config, fills defaults and resolves paths against the config folder', () => {
    const cfg = validateConfig(base(), '/etc/xiang');
    expect(cfg.dataDir).toBe('/etc/xiang/data');
    expect(cfg.queue).toEqual({ maxBytes: 512 * 1024 * 1024, maxAgeHours: 168 });
    expect(cfg.batching).toEqual({ maxPoints: 1000, maxDelayMs: 1000 });
    const s = cfg.sources[0]!;
    expect(s.type === 'opcua' && s.pki.dir).toBe('/etc/xiang/data/pki/plc1');
    expect(s.type === 'opcua' && s.pki.trustOnFirstUse).toBe(false);
    expect(s.type === 'opcua' && s.securityMode).toBe('None');
  });

  it('names the exact path of a bad NodeId and says what was expected', () => {
    const raw = base();
    raw.sources[0]!.nodes![1]!.nodeId = 'M1.energy';
    expect(issuesOf(raw)).toEqual([
      'sources[0].nodes[1].nodeId: expected "ns=<n>;s=<id>" or "nsu=<uri>;…" (s=, i=, g= or b= identifier)',
    ]);
  });

  it('rejects a unit that does not fit the quantity, naming the path and the accepted units', () => {
    const raw = base();
    raw.sources[0]!.nodes![0]!.unit = 'kWh';
    const issues = issuesOf(raw);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^sources\[0\]\.nodes\[0\]\.unit: unit "kWh" does not fit quantity activePower \(expected "kW", "W", "MW"\)$/,
    );
  });

  it('rejects bad ids, enums and a missing nodeId/browsePath with their paths', () => {
    const raw = base() as Record<string, unknown> & ReturnType<typeof base>;
    raw.factoryId = 'factory one';
    (raw.sources[0]!.nodes![0] as Record<string, unknown>).quantity = 'power';
    delete (raw.sources[0]!.nodes![1] as Record<string, unknown>).nodeId;
    const issues = issuesOf(raw);
    expect(issues).toContain(
      'factoryId: expected 1–64 chars of A–Z a–z 0–9 _ - (no spaces, "/", "+" or "#")',
    );
    expect(issues.some((i) => i.startsWith('sources[0].nodes[0].quantity: '))).toBe(true);
    expect(issues).toContain('sources[0].nodes[1]: expected exactly one of nodeId or browsePath');
  });

  it('rejects a security mode without a policy', () => {
    const raw = base() as ReturnType<typeof base> & { sources: Array<Record<string, unknown>> };
    raw.sources[0]!.securityMode = 'SignAndEncrypt';
    expect(issuesOf(raw)).toEqual([
      'sources[0].securityPolicy: expected securityPolicy None exactly when securityMode is None (got SignAndEncrypt/None)',
    ]);
  });

  it('finds duplicate metrics and conflicting device metadata across nodes', () => {
    const raw = base();
    const nodes = raw.sources[0]!.nodes! as Array<Record<string, unknown>>;
    nodes.push({ deviceId: 'M1', key: 'activePower', nodeId: 'ns=2;s=other', quantity: 'activePower' });
    nodes[0]!.medium = 'electricity';
    nodes[1]!.medium = 'water';
    expect(issuesOf(raw)).toEqual([
      'sources[0].nodes[1].medium: conflicts with the medium already declared for device "M1"',
      'sources[0].nodes[2].key: metric "M1.activePower" is already defined at sources[0].nodes[0]',
    ]);
  });

  it('checks MQTT topic tags used in the device template and the JSON path syntax', () => {
    const raw = base();
    const sub = raw.sources[1]!.subscriptions![0]!;
    sub.deviceId = '{line}-{device}';
    sub.values[0]!.path = 'values.flow';
    expect(issuesOf(raw)).toEqual([
      'sources[1].subscriptions[0].deviceId: "{line}" is not a tag of topic "plant/+factory/utility/+device" (tags: factory, device)',
      'sources[1].subscriptions[0].values[0].path: expected a path starting with "$" (e.g. "$.values.flow"), got "values.flow"',
    ]);
  });

  it('reports YAML syntax errors with the line', () => {
    expect(() => parseConfigText('factoryId: F1\nsources: [\n', '/tmp')).toThrow(/\(yaml\) line \d+/);
  });
});
