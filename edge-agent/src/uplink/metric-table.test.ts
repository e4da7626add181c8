import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Device } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { buildMetric, type MetricDef } from '../config/model.js';
import { openAgentDb } from '../queue/db.js';
import { MetricTable } from './metric-table.js';

const dev = (id: string): Device => ({ id, kind: 'meter', assetPath: 'WS1' });
const def = (
  deviceId: string,
  key: string,
  quantity: 'activePower' | 'voltage' = 'activePower',
): MetricDef => {
  const d = buildMetric(deviceId, { key, quantity }, 'src');
  if (typeof d === 'string') throw new Error(d);
  return d;
};

describe('metric index table', () => {
  it('keeps indices stable across restarts and never reuses one, even after a metric leaves the config', () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'xiang-metrics-'));
    const db1 = openAgentDb(d);
    const t1 = new MetricTable(db1);
    expect(t1.ensure(def('M1', 'activePower'), dev('M1'))).toEqual({ index: 0, changed: true });
    expect(t1.ensure(def('M2', 'activePower'), dev('M2'))).toEqual({ index: 1, changed: true });
    expect(t1.ensure(def('M1', 'activePower'), dev('M1'))).toEqual({ index: 0, changed: false });
    db1.close();

    // Restart with a different config order and without M1: M2 keeps 1, a new metric gets 2 (not 0).
    const db2 = openAgentDb(d);
    const t2 = new MetricTable(db2);
    expect(t2.ensure(def('M3', 'voltage', 'voltage'), dev('M3')).index).toBe(2);
    expect(t2.ensure(def('M2', 'activePower'), dev('M2'))).toEqual({ index: 1, changed: false });
    expect(t2.indexOf('M1.activePower')).toBe(0);
    expect(t2.all().map((k) => [k.metric.i, `${k.metric.deviceId}.${k.metric.key}`])).toEqual([
      [0, 'M1.activePower'],
      [1, 'M2.activePower'],
      [2, 'M3.voltage'],
    ]);
    // A changed description keeps the index but asks for a new birth.
    const changed = { ...def('M2', 'activePower'), samplingIntervalMs: 500 };
    expect(t2.ensure(changed, dev('M2'))).toEqual({ index: 1, changed: true });
    db2.close();
  });
});
