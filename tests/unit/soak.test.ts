import { startEmbeddedBroker } from '@xiang/platform/broker/embedded';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/ports.js';
import { type AckedMessage, AckProxy } from '../soak/ack-proxy.js';
import type { ScheduleResult } from '../soak/execute.js';
import { generateSchedule } from '../soak/generate.js';
import { shrinkSchedule } from '../soak/shrink.js';
import { parseSchedule, type Schedule, type Step } from '../soak/steps.js';
import { ackedTruth } from '../soak/truth.js';

/** The pure parts of tests/soak: generation, replay parsing, truth decoding, shrinking; and the ack proxy. */

describe('soak schedule generation', () => {
  it('is a function of the seed and survives a JSON round trip (the replay path)', () => {
    const a = generateSchedule(42, { store: 'influx', broker: 'mosquitto', faults: 12 });
    expect(generateSchedule(42, { store: 'influx', broker: 'mosquitto', faults: 12 })).toEqual(a);
    expect(generateSchedule(43, { store: 'influx', broker: 'mosquitto', faults: 12 })).not.toEqual(a);
    expect(parseSchedule(JSON.stringify(a))).toEqual(a);
  });

  it('brings back everything it takes down and never stops InfluxDB on the embedded store', () => {
    for (let seed = 0; seed < 100; seed++) {
      for (const store of ['embedded', 'influx'] as const) {
        const s = generateSchedule(seed, { store, broker: 'mosquitto', faults: 10 });
        const down = { agent: false, platform: !s.platformFirst, influx: false };
        for (const st of s.steps) {
          if (st.t === 'agentKill') down.agent = true;
          if (st.t === 'agentStart') down.agent = false;
          if (st.t === 'platformKill') down.platform = true;
          if (st.t === 'platformStart') down.platform = false;
          if (st.t === 'influxStop') down.influx = true;
          if (st.t === 'influxStart') down.influx = false;
          if (store === 'embedded') expect(st.t).not.toBe('influxStop');
        }
        expect(down, `seed ${seed} ${store}`).toEqual({ agent: false, platform: false, influx: false });
      }
    }
  });

  it('refuses a schedule with an unknown step', () => {
    const bad =
      '{"seed":1,"store":"embedded","broker":"mosquitto","platformFirst":true,"steps":[{"t":"explode"}]}';
    expect(() => parseSchedule(bad)).toThrow();
  });
});

const msg = (atMs: number, kind: string, body: unknown): AckedMessage => ({
  atMs,
  connection: 1,
  topic: `xiang/v1/F/A/${kind}`,
  payload: Buffer.from(JSON.stringify(body)),
});

describe('soak truth from acknowledged messages', () => {
  const birth = msg(1, 'birth', {
    metrics: [
      { i: 0, deviceId: 'M1', key: 'p', datatype: 'double' },
      { i: 1, deviceId: 'M1', key: 'on', datatype: 'boolean' },
      { i: 2, deviceId: 'M1', key: 'txt', datatype: 'string' },
    ],
  });
  it('decodes values, booleans, text and quality per (series, timestamp), windowing data only', () => {
    const t = ackedTruth(
      [
        birth,
        msg(5, 'data', { points: [[0, 1000, 1.5]] }),
        msg(20, 'data', {
          points: [
            [0, 2000, null, 2156134400],
            [1, 2000, true],
            [2, 2000, 'x'],
            [0, 1000, 1.5],
          ],
        }),
        msg(21, 'status', { points: [[0, 3000, 9]] }),
        { ...msg(22, 'data', { points: [[0, 4000, 9]] }), topic: 'xiang/v1/F/B/data' },
      ],
      'xiang/v1/F/A/',
      10,
    );
    expect(t.conflicts).toEqual([]);
    expect([...t.series.get('M1:p')!]).toEqual([
      [2000, { value: null, text: null, status: 2156134400, ackedAtMs: 20 }],
      [1000, { value: 1.5, text: null, status: 0, ackedAtMs: 20 }],
    ]);
    expect(t.series.get('M1:on')!.get(2000)).toMatchObject({ value: 1, text: null, status: 0 });
    expect(t.series.get('M1:txt')!.get(2000)).toMatchObject({ value: null, text: 'x', status: 0 });
    expect(t.dataMessages).toBe(1);
    expect(t.points).toBe(4);
  });

  it('reports what the agent itself contradicts: undeclared indices, one timestamp with two values', () => {
    const t = ackedTruth(
      [
        birth,
        msg(2, 'data', { points: [[7, 1000, 1]] }),
        msg(3, 'data', {
          points: [
            [0, 1000, 1],
            [0, 1000, 2],
          ],
        }),
      ],
      'xiang/v1/F/A/',
    );
    expect(t.conflicts).toHaveLength(2);
  });
});

describe('soak shrinker', () => {
  const base: Schedule = { seed: 1, store: 'embedded', broker: 'mosquitto', platformFirst: false, steps: [] };
  const fake = (failsWhen: (s: Schedule) => boolean) => {
    let runs = 0;
    const run = async (s: Schedule): Promise<ScheduleResult> => {
      runs++;
      const fails = failsWhen(s);
      return {
        schedule: s,
        ok: !fails,
        error: null,
        durationMs: 0,
        phasesMs: {},
        forgedSent: 0,
        duplicatesSent: 0,
        output: '',
        verdict: {
          checked: 1,
          lost: fails ? 1 : 0,
          duplicated: 0,
          corrupted: 0,
          forged: 0,
          unackedStored: 0,
          rejectedExpected: 0,
          rejectedCounted: 0,
          internalErrors: 0,
          agentConflicts: 0,
          examples: [],
        },
      };
    };
    return { run, runs: () => runs };
  };
  const steps: Step[] = Array.from({ length: 16 }, (_, i) => ({ t: 'wait', ms: i }));
  steps[3] = { t: 'rebirthCmd' };
  steps[11] = { t: 'newDevice' };

  it('finds the two steps that together make the failure, and drops platformFirst: false', async () => {
    const f = fake(
      (s) => s.steps.some((x) => x.t === 'rebirthCmd') && s.steps.some((x) => x.t === 'newDevice'),
    );
    const failing = await f.run({ ...base, steps });
    const r = await shrinkSchedule(failing, 'lost', {
      run: f.run,
      maxRuns: 100,
      deadlineMs: Date.now() + 10_000,
    });
    expect(r.schedule.steps).toEqual([{ t: 'rebirthCmd' }, { t: 'newDevice' }]);
    expect(r.schedule.platformFirst).toBe(true);
  });

  it('stops at its run budget', async () => {
    const f = fake(() => true);
    const failing = await f.run({ ...base, steps });
    const r = await shrinkSchedule(failing, 'lost', {
      run: f.run,
      maxRuns: 3,
      deadlineMs: Date.now() + 10_000,
    });
    expect(r.runs).toBe(3);
    expect(f.runs()).toBe(4);
  });
});

describe('ack proxy', () => {
  it('records a QoS 1 publish only once the broker acknowledged it, byte for byte', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const proxy = new AckProxy(await freePort(), { host: '127.0.0.1', port: broker.port });
    await proxy.start();
    const c = await mqtt.connectAsync(proxy.url, { protocolVersion: 4, clientId: 'ack-proxy-test' });
    try {
      await c.publishAsync('a/b', 'hello', { qos: 1 });
      await c.publishAsync('a/c', 'qos0', { qos: 0 });
      await c.publishAsync('a/d', Buffer.alloc(70_000, 7), { qos: 1 });
      expect(proxy.acked.map((m) => [m.topic, m.payload.length])).toEqual([
        ['a/b', 5],
        ['a/d', 70_000],
      ]);
      expect(proxy.acked[0]!.payload.toString()).toBe('hello');
    } finally {
      await c.endAsync(true);
      await proxy.stop();
      await broker.close();
    }
  });
});
