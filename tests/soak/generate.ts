import { Rng } from '@xiang/simulators/physics/prng';
import {
  type BrokerKind,
  badInputKinds,
  type Schedule,
  type Step,
  type StepType,
  type StoreKind,
} from './steps.js';

/**
 * Seeded schedules: the same (seed, store, broker, length) always gives the same schedule. Faults are drawn
 * with weights, each followed by a wait so data flows between them; processes taken down are brought back
 * a few steps later (or by the end of the schedule). mulberry32 from the simulators (the one shared PRNG).
 */
const WEIGHTS: Partial<Record<StepType, number>> = {
  newDevice: 3,
  rebirthCmd: 3,
  agentKill: 2,
  agentRestart: 1,
  platformKill: 2,
  platformRestart: 1,
  brokerRestart: 1,
  influxStop: 1,
  linkCut: 2,
  forgeUnknownSession: 2,
  forgeOldSession: 1,
  forgeOtherAgent: 1,
  duplicate: 2,
  badInput: 2,
  slowConsumer: 1,
};

function pick(rng: Rng, allowed: StepType[]): StepType {
  const total = allowed.reduce((a, t) => a + (WEIGHTS[t] ?? 0), 0);
  let r = rng.next() * total;
  for (const t of allowed) {
    r -= WEIGHTS[t] ?? 0;
    if (r < 0) return t;
  }
  return allowed[allowed.length - 1]!;
}

function stepOf(t: StepType, rng: Rng): Step {
  switch (t) {
    case 'brokerRestart':
      return { t, downMs: rng.int(0, 4000) };
    case 'forgeUnknownSession':
    case 'forgeOldSession':
      return { t, n: rng.int(1, 10) };
    case 'duplicate':
      return { t, back: rng.chance(0.5) ? rng.int(0, 3) : rng.int(4, 400) };
    case 'badInput':
      return { t, kind: badInputKinds[rng.int(0, badInputKinds.length - 1)]! };
    case 'slowConsumer':
      return { t, ms: rng.int(1000, 5000) };
    default:
      return { t } as Step;
  }
}

export type GenerateOptions = { store: StoreKind; broker: BrokerKind; faults: number };

export function generateSchedule(seed: number, o: GenerateOptions): Schedule {
  const rng = new Rng(seed);
  const steps: Step[] = [];
  // What is down, and how many faults until it comes back.
  const down: { start: StepType; inSteps: number }[] = [];
  const platformFirst = rng.chance(0.6);
  if (!platformFirst) down.push({ start: 'platformStart', inSteps: rng.int(0, 2) });
  steps.push({ t: 'wait', ms: rng.int(1000, 3000) });
  for (let i = 0; i < o.faults; i++) {
    const allowed = (Object.keys(WEIGHTS) as StepType[]).filter((t) => {
      if (t === 'influxStop') return o.store === 'influx' && !down.some((d) => d.start === 'influxStart');
      if (t === 'brokerRestart') return true;
      if (t.startsWith('agent')) return !down.some((d) => d.start === 'agentStart');
      if (t.startsWith('platform') || t === 'slowConsumer')
        return !down.some((d) => d.start === 'platformStart');
      return true;
    });
    const t = pick(rng, allowed);
    steps.push(stepOf(t, rng));
    if (t === 'agentKill') down.push({ start: 'agentStart', inSteps: rng.int(0, 3) });
    if (t === 'platformKill') down.push({ start: 'platformStart', inSteps: rng.int(0, 3) });
    if (t === 'influxStop') down.push({ start: 'influxStart', inSteps: rng.int(0, 3) });
    steps.push({ t: 'wait', ms: rng.int(300, 3000) });
    for (const d of [...down]) {
      if (d.inSteps-- > 0) continue;
      steps.push({ t: d.start } as Step, { t: 'wait', ms: rng.int(500, 2500) });
      down.splice(down.indexOf(d), 1);
    }
  }
  for (const d of down) steps.push({ t: d.start } as Step);
  return { seed, store: o.store, broker: o.broker, platformFirst, steps };
}
