import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Device } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { BirthMetricTable } from './birth-metrics.js';
import { buildMetric, type MetricDef } from './config/model.js';
import { openAgentDb } from './queue/db.js';
import { BatchQueue } from './queue/queue.js';

const dev = (id: string): Device => ({ id, kind: 'meter', assetPath: '' });
const def = (deviceId: string): MetricDef => {
  const d = buildMetric(deviceId, { key: 'activePower', quantity: 'activePower' }, 'src');
  if (typeof d === 'string') throw new Error(d);
  return d;
};
const bounds = { maxBytes: 1 << 20, maxAgeMs: 86_400_000 };

describe('metrics listed in a birth', () => {
  it('drops a device removed from the config once nothing queued before the restart can refer to it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xiang-birth-'));
    const db1 = openAgentDb(dir);
    const q1 = new BatchQueue(db1, bounds);
    const t1 = new BirthMetricTable(db1, q1);
    const a = t1.ensure(def('M1'), dev('M1')).index;
    const b = t1.ensure(def('M2'), dev('M2')).index;
    expect(t1.all().map((k) => k.device.id)).toEqual(['M1', 'M2']);
    const batch = q1.enqueue([[b, Date.parse('2025-03-03T00:00:00Z'), 1.5]]);
    db1.close();

    // Restart with M2 removed from the config, its last batch still queued (not yet acknowledged).
    const db2 = openAgentDb(dir);
    const q2 = new BatchQueue(db2, bounds);
    const t2 = new BirthMetricTable(db2, q2);
    expect(t2.ensure(def('M1'), dev('M1')).index).toBe(a);
    expect(t2.all().map((k) => k.device.id)).toEqual(['M1', 'M2']); // the backlog still needs M2's index
    expect(t2.releaseStale()).toBe(false);
    q2.ack(batch);
    expect(t2.releaseStale()).toBe(true); // a new birth is due
    expect(t2.releaseStale()).toBe(false);
    expect(t2.all().map((k) => k.device.id)).toEqual(['M1']);
    // M2 comes back later: same index as before.
    expect(t2.ensure(def('M2'), dev('M2')).index).toBe(b);
    expect(t2.all().map((k) => k.metric.i)).toEqual([a, b]);
    db2.close();
  });

  it('a fresh start with nothing queued lists only the configured metrics', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xiang-birth-'));
    const db1 = openAgentDb(dir);
    const t1 = new BirthMetricTable(db1, new BatchQueue(db1, bounds));
    t1.ensure(def('M1'), dev('M1'));
    t1.ensure(def('M2'), dev('M2'));
    db1.close();
    const db2 = openAgentDb(dir);
    const t2 = new BirthMetricTable(db2, new BatchQueue(db2, bounds));
    t2.ensure(def('M2'), dev('M2'));
    expect(t2.all().map((k) => k.device.id)).toEqual(['M2']);
    db2.close();
  });

  it('a metric known from an earlier run and read for the first time in this one asks for a birth', () => {
    // An MQTT device's first message arrives after the restart's birth, which (no backlog) listed only what
    // was read by then: its metric must be announced, or its data carries an index the birth lacks.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xiang-birth-'));
    const db1 = openAgentDb(dir);
    const t1 = new BirthMetricTable(db1, new BatchQueue(db1, bounds));
    const a = t1.ensure(def('M1'), dev('M1'));
    expect(a.changed).toBe(true);
    expect(t1.ensure(def('M1'), dev('M1')).changed).toBe(false);
    db1.close();

    const db2 = openAgentDb(dir);
    const t2 = new BirthMetricTable(db2, new BatchQueue(db2, bounds));
    expect(t2.all()).toEqual([]); // the restart's first birth, before the device speaks
    const again = t2.ensure(def('M1'), dev('M1'));
    expect(again).toEqual({ index: a.index, changed: true });
    expect(t2.all().map((k) => k.device.id)).toEqual(['M1']);
    expect(t2.ensure(def('M1'), dev('M1')).changed).toBe(false);
    db2.close();
  });
});
