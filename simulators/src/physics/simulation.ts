import { EventEmitter } from 'node:events';
import { localWeekday } from '@xiang/protocol';
import { buildCatalog, type Catalog, meterCapacities } from '../catalog.js';
import type { MachineSpec, MeterSpec, Scenario } from '../scenario/schema.js';
import { AirSystem, type CompressorOut } from './air.js';
import type { SegmentAt } from './calendar-cursor.js';
import { ElectricMeterSim } from './electric.js';
import { FaultIndex } from './fault-index.js';
import { MachineSim } from './machine.js';
import { type Rng, rngFor } from './prng.js';
import { packStateMode, TruthHistory } from './record.js';
import { CounterRegister } from './register.js';
import { PlantSegments } from './segments.js';
import { SensorSim } from './sensor.js';
import { type Snapshot, SnapshotBuilder } from './snapshot.js';
import { UtilityMeterSim } from './utility.js';

export type SimulationOptions = {
  /** Virtual start (epoch ms, on a tick boundary). Default: scenario clock.start, else the current hour. */
  startMs?: number;
  /** Keep this many days of per-tick ground truth (older chunks are dropped). Default 40. */
  historyDays?: number;
  /** false = run the plant without its injected faults. */
  faults?: boolean;
};

const HOUR = 3_600_000;

/**
 * The whole plant, stepped tick by tick. Everything is a deterministic function of (scenario, seed, start,
 * tick): per-entity random streams, no wall clock. Tick k covers [t_k, t_k + dt); at t_k the counters read their
 * integral up to t_k and gauges/states hold for the coming interval (sample-and-hold), so a counter's increase
 * over any tick-aligned interval equals Σ power·dt of the ticks inside it.
 */
export class Simulation extends EventEmitter<{ tick: [Snapshot] }> {
  readonly scenario: Scenario;
  readonly catalog: Catalog;
  readonly startMs: number;
  readonly tickMs: number;
  readonly dtS: number;
  readonly faults: FaultIndex;
  readonly history: TruthHistory;
  /** Index of the last computed tick (−1 before the first step). */
  tick = -1;
  current: Snapshot | null = null;
  segment: SegmentAt = { kind: 'offShift', startMs: 0, endMs: 0 };
  /** Grid frequency this tick (one value for the whole plant). */
  frequencyHz = 50;

  readonly machines = new Map<string, MachineSim>();
  readonly machineSpecs = new Map<string, MachineSpec>();
  readonly compressorOut = new Map<string, CompressorOut>();
  readonly electric: ElectricMeterSim[] = []; // children before parents
  readonly utility: UtilityMeterSim[] = []; // children before parents
  readonly electricById = new Map<string, ElectricMeterSim>();
  readonly utilityById = new Map<string, UtilityMeterSim>();
  readonly sensors: SensorSim[] = [];
  private readonly children = new Map<string, (ElectricMeterSim | UtilityMeterSim)[]>();
  private readonly air: AirSystem;
  readonly segments: PlantSegments;
  private readonly workshopIds: string[];
  /** Asset path of each machine (its workshop's calendar drives it). */
  private readonly machinePath = new Map<string, string>();
  /** Registers of meters with a rollover or replacement (published reading ≠ true quantity). */
  readonly registers = new Map<string, CounterRegister>();
  /** Per demandSpikes fault: the factor its kW is scaled by on the way up to its root meter, and that root. */
  private readonly spikeAtRoot = new Map<number, { root: string; factor: number }>();
  private readonly plantRng: Rng;
  private readonly snapshots: SnapshotBuilder;

  constructor(scenario: Scenario, opts: SimulationOptions = {}) {
    super();
    this.scenario = opts.faults === false ? { ...scenario, faults: [] } : scenario;
    const s = this.scenario;
    this.dtS = s.clock.tickSeconds;
    this.tickMs = this.dtS * 1000;
    const start =
      opts.startMs ?? (s.clock.start ? Date.parse(s.clock.start) : Math.floor(Date.now() / HOUR) * HOUR);
    if (start % this.tickMs !== 0)
      throw new Error(`start ${new Date(start).toISOString()} is not on a ${this.dtS} s tick`);
    this.startMs = start;
    this.faults = new FaultIndex(s.faults);
    this.segments = new PlantSegments(s);
    this.workshopIds = s.workshops.map((w) => w.id);
    for (const w of s.workshops)
      for (const l of w.lines)
        for (const m of l.machines) this.machinePath.set(m.id, `${w.id}/${l.id}/${m.id}`);
    this.plantRng = rngFor(s.seed, 'plant');

    const allMachines = s.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines));
    for (const m of allMachines) {
      this.machineSpecs.set(m.id, m);
      if (!m.compressor) this.machines.set(m.id, new MachineSim(m, rngFor(s.seed, `machine:${m.id}`)));
    }
    this.air = new AirSystem(allMachines);
    const caps = meterCapacities(s);
    for (const m of orderChildrenFirst(s.meters)) {
      if (m.medium === 'electricity') {
        const sim = new ElectricMeterSim(
          m,
          caps.get(m.id) ?? 1,
          rngFor(s.seed, `meter:${m.id}`),
          rngFor(s.seed, `pq:${m.id}`),
        );
        this.electric.push(sim);
        this.electricById.set(m.id, sim);
      } else {
        const sim = new UtilityMeterSim(m);
        this.utility.push(sim);
        this.utilityById.set(m.id, sim);
      }
    }
    for (const m of s.meters) {
      if (!m.parent) continue;
      const child = this.electricById.get(m.id) ?? this.utilityById.get(m.id);
      if (child) this.children.set(m.parent, [...(this.children.get(m.parent) ?? []), child]);
    }
    for (const se of s.sensors) this.sensors.push(new SensorSim(se, rngFor(s.seed, `sensor:${se.id}`)));
    for (const m of s.meters) {
      const reg = new CounterRegister(m.rolloverAt, m.replacements);
      if (reg.active) this.registers.set(m.id, reg);
    }
    const meterById = new Map(s.meters.map((m) => [m.id, m]));
    s.faults.forEach((f, i) => {
      if (f.type !== 'demandSpikes') return;
      let cur = meterById.get(f.meter);
      let factor = 1;
      for (let n = 0; cur && n < 100; n++) {
        factor *= 1 + cur.unmeteredLossShare;
        if (!cur.parent) break;
        cur = meterById.get(cur.parent);
      }
      if (cur) this.spikeAtRoot.set(i, { root: cur.id, factor });
    });

    this.catalog = buildCatalog(s);
    const keepTicks = Math.ceil(((opts.historyDays ?? 40) * 86_400) / this.dtS);
    this.history = new TruthHistory(
      s.meters.map((m) => ({ id: m.id, electric: m.medium === 'electricity' })),
      allMachines.map((m) => ({ id: m.id, counts: m.idealCycleTimeS !== undefined })),
      s.faults.length,
      keepTicks,
      s.faults.flatMap((f, i) =>
        f.type === 'harmonicDistortion' || f.type === 'phaseUnbalance' || f.type === 'demandSpikes'
          ? [i]
          : [],
      ),
    );
    this.snapshots = new SnapshotBuilder(this);
  }

  timeOf(tick: number): number {
    return this.startMs + tick * this.tickMs;
  }
  /** Virtual time of the last computed tick. */
  get nowMs(): number {
    return this.timeOf(Math.max(0, this.tick));
  }

  /** Computes the next tick and emits it. */
  step(): Snapshot {
    const k = this.tick + 1;
    const t = this.timeOf(k);
    const dtS = this.dtS;
    const h = this.history;
    this.segments.advance(t, this.workshopIds);
    const seg = this.segments.plantNow;
    this.segment = seg;

    // 1. counters reach t_k; record the truth that is "before interval k"
    for (const m of this.electric) m.integrate(dtS);
    for (const m of this.utility) m.integrate(dtS);
    for (const m of this.electric) {
      h.counter.get(m.spec.id)?.push(m.energyKwh);
      h.reactive.get(m.spec.id)?.push(m.reactiveKvarh);
    }
    for (const m of this.utility) h.counter.get(m.spec.id)?.push(m.counter);
    for (const [id, m] of this.machines) {
      h.good.get(id)?.push(m.good);
      h.reject.get(id)?.push(m.reject);
    }
    h.recordFaultTotals();

    // 2. machines
    const power = new Map<string, number>();
    let airDemand = 0;
    for (const [id, m] of this.machines) {
      const mSeg = this.segments.of(this.machinePath.get(id) ?? '');
      const idleFault = this.idleThroughFault(id, mSeg, t);
      const ms = this.faults.activeOn('microStops', id, t);
      const msF = ms >= 0 ? this.scenario.faults[ms] : undefined;
      const r = m.step({
        dtS,
        segment: mSeg.kind,
        idleThroughStop: idleFault >= 0,
        ...(msF?.type === 'microStops'
          ? { microStop: { probability: (msF.perHour * dtS) / 3600, ticks: Math.round(msF.seconds / dtS) } }
          : {}),
      });
      if (r.idledByFault) h.add(idleFault, ((m.spec.idleKw - m.spec.standbyKw) * dtS) / 3600, dtS);
      if (ms >= 0 && (r.microStopStarted || r.microStopTick)) h.add(ms, r.microStopStarted ? 1 : 0, dtS);
      power.set(id, m.powerKw);
      airDemand += m.airM3PerMin;
      h.stateMode.get(id)?.push(packStateMode(m.state, m.mode));
    }

    // 3. compressed air (leaks are served by the compressor they are declared on)
    // Compressors serve every workshop: production anywhere (own calendar, overtime) loads them.
    const plantProduction = this.segments.anyProduction();
    const airSegment = plantProduction ? 'production' : seg.kind;
    const nonProduction = !plantProduction;
    const leaks = new Map<string, number>();
    const leakFaults: number[] = [];
    this.scenario.faults.forEach((f, i) => {
      if (f.type !== 'offShiftBaseLoad' || !this.air.compressors.some((c) => c.id === f.target)) return;
      if (!this.faults.active(i, t) || !(nonProduction || f.alsoDuringProduction)) return;
      leaks.set(f.target, (leaks.get(f.target) ?? 0) + f.kw);
      leakFaults.push(i);
    });
    const outs = this.air.compute(airDemand, airSegment, leaks);
    if (leakFaults.length > 0) {
      const base = this.air.compute(airDemand, airSegment, new Map());
      for (const i of leakFaults) {
        const f = this.scenario.faults[i];
        if (f?.type !== 'offShiftBaseLoad') continue;
        const j = outs.findIndex((o) => o.id === f.target);
        const extra = (outs[j]?.powerKw ?? 0) - (base[j]?.powerKw ?? 0);
        h.add(i, (extra * dtS) / 3600, nonProduction ? dtS : 0);
      }
    }
    for (const o of outs) {
      this.compressorOut.set(o.id, o);
      power.set(o.id, o.powerKw);
      h.stateMode.get(o.id)?.push(packStateMode(o.state, o.mode));
    }

    // 4. electricity, children first
    const local = t + this.scenario.factory.utcOffsetMinutes * 60_000;
    const localHour = (((local % 86_400_000) + 86_400_000) % 86_400_000) / HOUR;
    const voltageFactor =
      1.01 - 0.008 * Math.sin((2 * Math.PI * (localHour - 8)) / 24) + 0.0008 * this.plantRng.noise();
    const frequencyHz = 50 + 0.015 * this.plantRng.noise();
    this.frequencyHz = frequencyHz;
    const quarterBoundary = local % 900_000 === 0;
    const minuteOfDay = Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
    for (const m of this.electric) {
      const id = m.spec.id;
      const mSeg = this.segments.of(m.spec.assetPath);
      const meterOffProduction = mSeg.kind !== 'production';
      let ownKw = m.spec.loads.reduce((sum, l) => sum + (power.get(l) ?? 0), 0);
      if (m.spec.baseLoad)
        ownKw += mSeg.kind === 'offShift' ? m.spec.baseLoad.offShiftKw : m.spec.baseLoad.productionKw;
      for (const i of this.faults.on('offShiftBaseLoad', id)) {
        const f = this.scenario.faults[i];
        if (f?.type !== 'offShiftBaseLoad' || !this.faults.active(i, t)) continue;
        if (!(meterOffProduction || f.alsoDuringProduction)) continue;
        ownKw += f.kw;
        h.add(i, (f.kw * dtS) / 3600, meterOffProduction ? dtS : 0);
      }
      for (const i of this.faults.on('demandSpikes', id)) {
        const f = this.scenario.faults[i];
        if (f?.type !== 'demandSpikes' || !this.faults.active(i, t) || !this.inSpike(f, t, minuteOfDay))
          continue;
        ownKw += f.kw;
        h.add(i, (f.kw * dtS) / 3600, dtS);
      }
      if (m.spec.parent === undefined) {
        for (const [i, sp] of this.spikeAtRoot) {
          if (sp.root !== id) continue;
          const f = this.scenario.faults[i];
          const on =
            f?.type === 'demandSpikes' && this.faults.active(i, t) && this.inSpike(f, t, minuteOfDay);
          h.series.get(i)?.push(on && f?.type === 'demandSpikes' ? f.kw * sp.factor : 0);
        }
      }
      const pf = this.faults.activeOn('lowPowerFactor', id, t);
      const unb = this.faults.activeOn('phaseUnbalance', id, t);
      const thd = this.faults.activeOn('harmonicDistortion', id, t);
      const pfF = this.scenario.faults[pf];
      const unbF = this.scenario.faults[unb];
      const thdF = this.scenario.faults[thd];
      m.step({
        dtS,
        ownKw,
        children: (this.children.get(id) ?? []) as ElectricMeterSim[],
        voltageFactor,
        frequencyHz,
        quarterBoundary,
        faults: {
          ...(pfF?.type === 'lowPowerFactor' ? { powerFactor: pfF.powerFactor } : {}),
          ...(unbF?.type === 'phaseUnbalance' ? { unbalancePct: unbF.unbalancePct } : {}),
          ...(thdF?.type === 'harmonicDistortion' ? { thdPct: thdF.thdPct } : {}),
        },
      });
      if (pf >= 0) h.add(pf, (m.powerKw * dtS) / 3600, (m.reactiveKvar * dtS) / 3600);
      if (unb >= 0) h.add(unb, m.unbalancePct * dtS, dtS);
      if (thd >= 0) h.add(thd, m.thdPct * dtS, dtS);
      // The published PQ values of faulted meters, tick by tick (the truth's own 10-min statistic).
      for (const i of [...this.faults.on('phaseUnbalance', id), ...this.faults.on('harmonicDistortion', id)])
        h.series
          .get(i)
          ?.push(
            Math.round(
              (this.scenario.faults[i]?.type === 'phaseUnbalance' ? m.unbalancePct : m.thdPct) * 1000,
            ) / 1000,
          );
      this.trackCounterFaults(id, t, (m.powerKw * dtS) / 3600);
    }

    // 5. utilities follow production
    for (const m of this.utility) {
      const r = m.spec.utility;
      let own = 0;
      if (r)
        own +=
          r.basePerHour + (this.segments.of(m.spec.assetPath).kind !== 'offShift' ? r.productionPerHour : 0);
      for (const l of m.spec.loads) {
        const c = this.compressorOut.get(l);
        if (c) {
          own += c.flowM3PerMin * 60;
          continue;
        }
        const mc = this.machines.get(l);
        if (!mc || !r) continue;
        if (mc.state === 3) own += r.perExecutingMachineHour;
        else if (mc.state === 2) own += r.perIdleMachineHour;
      }
      m.step(own, (this.children.get(m.spec.id) ?? []) as UtilityMeterSim[]);
      this.trackCounterFaults(m.spec.id, t, (m.flowPerHour * dtS) / 3600);
    }
    for (const se of this.sensors) se.step(localHour);

    for (const i of this.faults.faults.keys()) {
      const f = this.scenario.faults[i];
      if (
        (f?.type === 'badQuality' ||
          (f?.type === 'meterDropout' &&
            !this.electricById.has(f.device) &&
            !this.utilityById.has(f.device))) &&
        this.faults.active(i, t)
      )
        h.add(i, 0, dtS);
    }
    h.trim();
    this.tick = k;
    this.current = this.snapshots.build(k, t);
    this.emit('tick', this.current);
    return this.current;
  }

  /** Steps until the last computed tick is at or after `ms` (bounded by the tick count). */
  advanceTo(ms: number): number {
    let n = 0;
    while (this.tick < 0 || this.timeOf(this.tick) < ms) {
      this.step();
      n++;
    }
    return n;
  }

  private trackCounterFaults(id: string, t: number, consumed: number): void {
    for (const type of ['meterFreeze', 'meterDropout'] as const) {
      const i = this.faults.activeOn(type, id, t);
      if (i >= 0) this.history.add(i, consumed, this.dtS);
    }
  }

  private idleThroughFault(id: string, seg: SegmentAt, t: number): number {
    if (seg.kind === 'production') return -1;
    for (const i of this.faults.on('idleThroughBreaks', id)) {
      const f = this.scenario.faults[i];
      if (f?.type !== 'idleThroughBreaks' || !this.faults.active(i, t) || !f.during.includes(seg.kind))
        continue;
      if (
        seg.kind === 'offShift' &&
        f.afterShiftMinutes !== undefined &&
        t - seg.startMs >= f.afterShiftMinutes * 60_000
      )
        continue;
      return i;
    }
    return -1;
  }

  private inSpike(
    f: { at: string[]; minutes: number; weekdays: number[] },
    t: number,
    minute: number,
  ): boolean {
    if (!f.weekdays.includes(localWeekday(this.scenario.factory, t))) return false;
    return f.at.some((hhmm) => {
      const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
      const startMin = hh * 60 + mm;
      return minute >= startMin && minute < startMin + f.minutes;
    });
  }
}

function orderChildrenFirst(meters: MeterSpec[]): MeterSpec[] {
  const byId = new Map(meters.map((m) => [m.id, m]));
  const depth = (m: MeterSpec): number => {
    let d = 0;
    for (let cur = m.parent; cur !== undefined && d < 100; d++) cur = byId.get(cur)?.parent;
    return d;
  };
  return [...meters].sort((a, b) => depth(b) - depth(a));
}
