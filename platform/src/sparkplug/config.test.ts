import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { parseMapping, subscribedGroups } from './index.js';

describe('sparkplug config section', () => {
  it('is off by default; the env turns it on and a mapping file is then required', () => {
    expect(loadConfig({ env: {} }).sparkplug).toMatchObject({ enabled: false, rebirthMinIntervalMs: 10_000 });
    expect(() => loadConfig({ env: { XIANG_SPARKPLUG_ENABLED: 'true' } })).toThrow(/sparkplug\.mappingFile/);
    const c = loadConfig({
      env: { XIANG_SPARKPLUG_ENABLED: 'true', XIANG_SPARKPLUG_MAPPING_FILE: '/m.yaml' },
    });
    expect(c.sparkplug).toMatchObject({ enabled: true, mappingFile: '/m.yaml' });
    expect(() => loadConfig({ env: { XIANG_SPARKPLUG_ENABLED: 'on' } })).toThrow(/XIANG_SPARKPLUG_ENABLED/);
    const host = { XIANG_SPARKPLUG_HOST_ID: 'scada-1' };
    expect(loadConfig({ env: host }).sparkplug.hostId).toBe('scada-1');
    expect(() => loadConfig({ env: { XIANG_SPARKPLUG_HOST_ID: 'a/b' } })).toThrow(/sparkplug\.hostId/);
    expect(() => loadConfig({ env: {}, overrides: { 'sparkplug.groups': ['a/b'] } })).toThrow(
      /sparkplug\.groups/,
    );
  });

  it('subscribes the mapped groups, or all of them when a mapping entry is a pattern', () => {
    const exact = parseMapping({
      groups: [
        { group: 'A', factory: 'F' },
        { group: 'B', factory: 'F' },
      ],
    });
    expect(subscribedGroups(exact)).toEqual(['A', 'B']);
    expect(subscribedGroups(exact, ['+'])).toEqual(['+']);
    const pattern = parseMapping({ groups: [{ group: 'Plant*', factory: 'F' }] });
    expect(subscribedGroups(pattern)).toEqual(['+']);
  });
});
