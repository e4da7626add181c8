import { type CalendarSegmentKind, MachineryItemState, MachineryOperationMode } from '@xiang/protocol';
import type { MachineSpec } from '../scenario/schema.js';
import { Rng } from './prng.js';

export type ItemState = (typeof MachineryItemState)[keyof typeof MachineryItemState];
export type OpMode = (typeof MachineryOperationMode)[keyof typeof MachineryOperationMode];

/** What a machine is doing beyond its calendar-driven default. */
type Transient = 'none' | 'idle' | 'breakdown' | 'setup' | 'microStop';

export type MachineTickInput = {
  dtS: number;
  segment: CalendarSegmentKind;
  /** The idleThroughBreaks fault keeps this machine NotExecuting at idle power through this planned stop. */
  idleThroughStop: boolean;
  /** Injected micro-stops: probability per Executing tick and length in ticks. */
  microStop?: { probability: number; ticks: number };
};

export type MachineTickResult = {
  /** Whether this tick's idle came from the idleThroughBreaks fault (for its ground truth). */
  idledByFault: boolean;
  /** A micro-stop started this tick. */
  microStopStarted: boolean;
  microStopTick: boolean;
};

const S = MachineryItemState;
const M = MachineryOperationMode;

/**
 * One production machine (OPC 40001-1 view): ItemState + OperationMode, power by state, parts by cycle time.
 * Values computed in `step` hold for the tick interval [t, t + dt) that starts at the tick time.
 */
export class MachineSim {
  state: ItemState = S.NotAvailable;
  mode: OpMode = M.None;
  powerKw: number;
  /** Compressed air drawn in this tick, m³/min. */
  airM3PerMin = 0;
  good = 0;
  reject = 0;
  productIndex = 0;
  private transient: Transient = 'none';
  private remainingTicks = 0;
  private partsFraction = 0;
  private productionSinceChangeoverS = 0;
  /** Separate streams for spell lengths and part quality, so the per-tick event draws stay aligned in time. */
  private readonly durationRng: Rng;
  private readonly partsRng: Rng;

  constructor(
    readonly spec: MachineSpec,
    private readonly rng: Rng,
  ) {
    this.durationRng = new Rng(Math.floor(rng.next() * 4294967296));
    this.partsRng = new Rng(Math.floor(rng.next() * 4294967296));
    this.powerKw = spec.standbyKw;
    // Start somewhere in the changeover cycle so not every machine sets up at the same moment.
    this.productionSinceChangeoverS = rng.uniform(0, spec.changeoverEveryHours * 3600);
    this.productIndex = spec.products.length > 0 ? rng.int(0, spec.products.length - 1) : 0;
  }

  get product(): string {
    return this.spec.products[this.productIndex] ?? '';
  }

  private ticksFor([minMin, maxMin]: [number, number], dtS: number): number {
    return Math.max(1, Math.round((this.durationRng.uniform(minMin, maxMin) * 60) / dtS));
  }

  step(input: MachineTickInput): MachineTickResult {
    const { dtS, segment } = input;
    const sp = this.spec;
    const res: MachineTickResult = { idledByFault: false, microStopStarted: false, microStopTick: false };
    this.airM3PerMin = 0;
    // Four event draws every tick whatever the branch: the event stream stays aligned with time, so a fault that
    // changes one branch does not reshuffle when the machine's later breakdowns and idle spells happen.
    const uBreak = this.rng.next();
    const uIdle = this.rng.next();
    const uMicro = this.rng.next();
    const uLoad = this.rng.noise();

    if (this.transient === 'breakdown') {
      // A repair goes on through breaks and nights until it is done.
      this.remainingTicks--;
      this.set(S.OutOfService, M.Maintenance, sp.standbyKw);
      if (this.remainingTicks <= 0) this.transient = 'none';
      return res;
    }
    if (segment !== 'production') {
      this.transient = 'none';
      if (input.idleThroughStop) {
        this.set(S.NotExecuting, M.Processing, sp.idleKw);
        res.idledByFault = true;
      } else {
        this.set(S.NotAvailable, M.None, sp.standbyKw);
      }
      return res;
    }

    if (this.transient === 'none') {
      if (uBreak < (sp.breakdownsPer100h / 100) * (dtS / 3600)) {
        this.start('breakdown', this.ticksFor(sp.repairMinutes, dtS));
        this.remainingTicks--;
        this.set(S.OutOfService, M.Maintenance, sp.standbyKw);
        if (this.remainingTicks <= 0) this.transient = 'none';
        return res;
      }
      if (this.productionSinceChangeoverS >= sp.changeoverEveryHours * 3600) {
        this.productionSinceChangeoverS = 0;
        this.start('setup', this.ticksFor(sp.setupMinutes, dtS));
        if (sp.products.length > 1) this.productIndex = (this.productIndex + 1) % sp.products.length;
      } else if (uIdle < sp.idleSpellsPerHour * (dtS / 3600)) {
        this.start('idle', this.ticksFor(sp.idleSpellMinutes, dtS));
      } else if (input.microStop && uMicro < input.microStop.probability) {
        this.start('microStop', input.microStop.ticks);
        res.microStopStarted = true;
      }
    }
    this.productionSinceChangeoverS += dtS;

    if (this.transient !== 'none') {
      const t = this.transient;
      this.remainingTicks--;
      if (this.remainingTicks <= 0) this.transient = 'none';
      this.set(S.NotExecuting, t === 'setup' ? M.Setup : M.Processing, sp.idleKw);
      res.microStopTick = t === 'microStop';
      return res;
    }

    // Executing: ±5 % load variation around the mean running power, parts at the actual cycle rate.
    this.set(S.Executing, M.Processing, sp.runningKw * (1 + 0.05 * uLoad));
    this.airM3PerMin = sp.airM3PerMin;
    if (sp.idealCycleTimeS !== undefined) {
      this.partsFraction += (dtS / sp.idealCycleTimeS) * sp.performance;
      const parts = Math.floor(this.partsFraction);
      this.partsFraction -= parts;
      for (let i = 0; i < parts; i++) {
        if (this.partsRng.next() < sp.rejectRate) this.reject++;
        else this.good++;
      }
    }
    return res;
  }

  private start(t: Transient, ticks: number): void {
    this.transient = t;
    this.remainingTicks = ticks;
  }

  private set(state: ItemState, mode: OpMode, powerKw: number): void {
    this.state = state;
    this.mode = mode;
    this.powerKw = powerKw;
  }
}
