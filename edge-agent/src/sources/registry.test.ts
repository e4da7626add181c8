import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../config/load.js';
import { sourcesTable } from './docs.js';
import { pluginOf, sourcePlugins } from './registry.js';

const here = import.meta.dirname;
const readme = readFileSync(path.join(here, '../../README.md'), 'utf8');

describe('source plugins', () => {
  it.each(sourcePlugins.map((p) => [p.type, p] as const))(
    '%s: one folder with index, README and a sample that validates as shipped',
    (type, plugin) => {
      const dir = path.join(here, type);
      for (const f of ['index.ts', 'README.md', 'sample.yaml'])
        expect(existsSync(path.join(dir, f))).toBe(true);
      const sample = parse(readFileSync(path.join(dir, 'sample.yaml'), 'utf8')) as { type: string };
      expect(sample.type).toBe(type);
      const cfg = validateConfig(
        {
          factoryId: 'F1',
          agentId: 'A1',
          dataDir: './data',
          uplink: { url: 'mqtt://127.0.0.1:1883' },
          sources: [sample],
        },
        '/etc/xiang',
      );
      expect(cfg.sources[0]!.type).toBe(type);
      expect(pluginOf(type)).toBe(plugin);
      expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('sample.yaml');
      for (const h of plugin.health ?? []) expect(h.metric).toMatch(/^xiang_edge_[a-z0-9_]+$/); // Prometheus names may hold digits (dlt645)
    },
  );

  it('types and health metric names are unique', () => {
    const types = sourcePlugins.map((p) => p.type);
    expect(new Set(types).size).toBe(types.length);
    const metrics = sourcePlugins.flatMap((p) => (p.health ?? []).map((h) => h.metric));
    expect(new Set(metrics).size).toBe(metrics.length);
  });

  it('edge-agent/README.md lists exactly the registered sources (generated table)', () => {
    const m = /<!-- sources-table -->\n([\s\S]*?)\n<!-- \/sources-table -->/.exec(readme);
    expect(m, 'README.md needs <!-- sources-table --> markers').not.toBeNull();
    // Compared cell by cell: Biome pads markdown tables.
    const cells = (t: string) =>
      t
        .trim()
        .split('\n')
        .filter((l) => !/^\|[\s|-]+\|$/.test(l))
        .map((l) => l.split('|').map((c) => c.trim()));
    expect(cells(m![1]!)).toEqual(cells(sourcesTable()));
  });

  it('an unknown type is refused by the config union with the known types', () => {
    expect(() =>
      validateConfig({
        factoryId: 'F1',
        agentId: 'A1',
        dataDir: './d',
        uplink: { url: 'mqtt://127.0.0.1:1883' },
        sources: [{ type: 'bacnet', name: 'x' }],
      }),
    ).toThrow(/sources\[0\]\.type/);
  });
});
