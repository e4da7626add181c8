import { waitFor } from '../harness/ports.js';
import { ingestStats } from './api.js';
import { checkInvariant, type Verdict, verdictOk } from './invariant.js';
import { type ScheduleStack, type SharedWorld, ScheduleStack as Stack } from './stack.js';
import type { Schedule, Step } from './steps.js';
import { ackedTruth } from './truth.js';

export type ScheduleResult = {
  schedule: Schedule;
  ok: boolean;
  verdict: Verdict | null;
  /** The executor itself failed (a process did not start, a wait timed out): also a failure. */
  error: string | null;
  durationMs: number;
  /** Wall time per phase: boot, steps, settle, check, dispose. */
  phasesMs: Record<string, number>;
  forgedSent: number;
  duplicatesSent: number;
  /** Tail of the processes' output, kept for failures. */
  output: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function apply(x: ScheduleStack, step: Step): Promise<void> {
  switch (step.t) {
    case 'wait':
      return void (await sleep(step.ms)); // schedule time: data flows meanwhile
    case 'newDevice':
      return x.devices.add();
    case 'rebirthCmd':
      return await x.rogue.rebirthCmd();
    case 'agentKill':
      return await x.killAgent();
    case 'agentStart':
      return await x.startAgent();
    case 'agentRestart':
      if (!x.agent) return;
      await x.stopAgent();
      return await x.startAgent();
    case 'platformKill':
      return await x.killPlatform();
    case 'platformStart':
      return await x.startPlatform();
    case 'platformRestart':
      if (!x.platform) return;
      await x.stopPlatform();
      return await x.startPlatform();
    case 'brokerRestart':
      return await x.restartBroker(step.downMs);
    case 'influxStop':
      if (x.s.store !== 'influx' || !x.w.influx || !x.influxUp) return;
      x.influxUp = false;
      return await x.w.influx.stop();
    case 'influxStart':
      if (x.influxUp || !x.w.influx) return;
      await x.w.influx.start();
      x.influxUp = true;
      return;
    case 'linkCut':
      return x.proxy.cut();
    case 'forgeUnknownSession':
      return await x.rogue.forgeUnknownSession(step.n, x.agentView());
    case 'forgeOldSession':
      return await x.rogue.forgeOldSession(step.n, x.agentView());
    case 'forgeOtherAgent':
      return await x.rogue.forgeOtherAgent(x.agentView());
    case 'duplicate':
      return await x.rogue.duplicate(step.back, x.agentView());
    case 'badInput':
      return await x.bad.send(step.kind);
    case 'slowConsumer':
      return await x.slowConsumer(step.ms);
  }
}

/**
 * Brings everything back, lets the agent replay its backlog, stops it cleanly (drain + death), and waits
 * until the platform is quiet: no new messages handled for 2 s, nothing in the store's backlog.
 */
async function settle(x: ScheduleStack): Promise<void> {
  await apply(x, { t: 'influxStart' });
  await x.startPlatform();
  await x.startAgent();
  x.devices.stop();
  await waitFor(
    async () => {
      const s = await x.agentStatus();
      return s.uplink.connected && !s.uplink.replaying;
    },
    "the agent's backlog replayed",
    120_000,
    250,
  );
  await x.stopAgent();
  let last = -1;
  let stableSince = Date.now();
  await waitFor(
    async () => {
      const st = await ingestStats(x.api);
      const handled = Object.values(st.totals.messages).reduce((a, b) => a + b, 0);
      if (handled !== last || st.store.backlogPoints > 0) {
        last = handled;
        stableSince = Date.now();
      }
      return Date.now() - stableSince >= 2000;
    },
    'the platform quiet',
    120_000,
    250,
  );
}

export async function runSchedule(schedule: Schedule, world: SharedWorld): Promise<ScheduleResult> {
  const t0 = Date.now();
  const x = new Stack(schedule, world);
  let verdict: Verdict | null = null;
  let error: string | null = null;
  let output = '';
  const timeline: string[] = [];
  const phases: Record<string, number> = {};
  const mark = async (what: string, f: () => Promise<void>, phase?: string) => {
    const t = Date.now();
    try {
      await f();
    } finally {
      timeline.push(`+${((t - t0) / 1000).toFixed(1)} s ${what} (${Date.now() - t} ms)`);
      const p = phase ?? what;
      phases[p] = (phases[p] ?? 0) + Date.now() - t;
    }
  };
  const check = async () =>
    await checkInvariant({
      api: x.api,
      factoryId: x.factoryId,
      truth: ackedTruth(x.proxy.acked, x.topicPrefix, x.observedFromMs ?? Number.POSITIVE_INFINITY),
      badAgentId: x.bad.agentId,
      badSent: x.bad.sent.filter((b) => b.atMs >= (x.observedFromMs ?? Number.POSITIVE_INFINITY)).length,
      startedAtMs: t0,
    });
  try {
    await mark('boot', () => x.boot());
    for (const step of schedule.steps) await mark(JSON.stringify(step), () => apply(x, step), 'steps');
    await mark('settle', () => settle(x));
    await mark('check', async () => {
      verdict = await check();
      if (verdict.lost > 0) {
        // One more look after a pause: a straggler in the store's write path is not a loss.
        await sleep(3000);
        verdict = await check();
      }
    });
  } catch (e) {
    error = (e as Error)?.stack ?? String(e);
  }
  const ok = !error && !!verdict && verdictOk(verdict);
  if (!ok) output = `--- timeline ---\n${timeline.join('\n')}\n${x.output()}`;
  await mark('dispose', () => x.dispose()).catch(() => {});
  return {
    schedule,
    ok,
    verdict,
    error,
    durationMs: Date.now() - t0,
    phasesMs: phases,
    forgedSent: x.rogue?.forgedPoints ?? 0,
    duplicatesSent: x.rogue?.duplicates ?? 0,
    output,
  };
}
