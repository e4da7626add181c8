import { type OperatingProfile, parseOrThrow, type SequenceRole } from '@xiang/protocol';
import type { RegistryDevice, RegistrySnapshot } from '../registry/model.js';
import { meteringBalance } from './accounting/balance.js';
import { type Basis, co2Factor, type GridFactor, gridFactor, kgceFactor } from './accounting/conversion.js';
import { type CompiledTariff, compileTariff, hunanTouTariff, versionPrices } from './accounting/tou.js';
import { CoefficientBook } from './data/coefficients.js';
import { type AppliedSetting, resolveSettings, type Settings } from './data/settings.js';
import { findCompressors, mapMachines } from './equipment-map.js';
import type { Saving } from './finding.js';
import type { Occupancy } from './machines.js';
import type { BalanceRow } from './result.js';
import { assertFineSeries, assertOnGrid, subtract } from './series.js';
import { buildSlotGrid, SLOT_MS, type SlotGrid } from './slots.js';
import { buildMeteringTree, type MeteringTree } from './tree.js';
import {
  type DiagnosisInput,
  type DiagnosisOptions,
  diagnosisOptionsSchema,
  type IntervalSeries,
  type MeterSeries,
  periodSchema,
  SLOT_H,
  type Text,
} from './types.js';

export type MachineInfo = {
  deviceId: string;
  name: string;
  assetPath: string;
  meterId: string | null;
  /** How the meter was found: the machine's own counter, a meter's declared `measures`, or by id/place. */
  meterSource: 'own' | 'declared' | 'inferred' | null;
  /** The meter also measures other machines. */
  meterShared: boolean;
  profile: OperatingProfile | null;
  equipmentClass: string | null;
  ratedPowerKw: number | null;
  standbyPowerKw: number | null;
  standbySource: 'registry' | 'learned' | null;
  occ: Occupancy | null;
};

export type CompressorInfo = {
  meterId: string;
  airMeterId: string | null;
  standbyPowerKw: number;
  /** The standby power is declared (device, person or run option), not assumed 0. */
  standbyDeclared: boolean;
  role: SequenceRole | null;
  /** Declared equipment class, or the run's options. */
  source: 'declared' | 'runOption';
  machineIds: string[];
};

/** Everything the rules share, computed once per run. */
export type DiagnosisContext = {
  input: DiagnosisInput;
  registry: RegistrySnapshot;
  options: DiagnosisOptions;
  settings: Settings;
  settingsApplied: AppliedSetting[];
  book: CoefficientBook;
  grid: SlotGrid;
  tariff: CompiledTariff;
  tree: MeteringTree;
  devices: Map<string, RegistryDevice>;
  meterById: Map<string, MeterSeries>;
  /** ¥/kWh per slot, NaN when unpriced. */
  priceCnyPerKwh: Float64Array;
  priced: boolean;
  basis: Basis;
  kgcePerKwh: number;
  gridFactorUsed: GridFactor | null;
  co2KgPerKwh: number | null;
  observedHours: number;
  annualFactor: number;
  machines: MachineInfo[];
  compressors: CompressorInfo[];
  ownLoad(meterId: string): Float64Array | null;
  /** The metering-tree balance per parent and month (accounting/balance.ts), computed on first use. */
  balance(): BalanceRow[];
  saving(args: SavingArgs): Saving;
};

export type SavingArgs = {
  rule: string;
  deviceId?: string;
  observedKwh: number;
  observedCostCny: number | null;
  assumptions: Text[];
  /** Hours the observed figure stands for (default: the whole period). */
  observedHours?: number;
  /** Non-electric part of the saving, kgce (fuels, steam…), added to tce. */
  observedOtherKgce?: number;
};

export function buildContext(input: DiagnosisInput): DiagnosisContext {
  const period = parseOrThrow(periodSchema, input.period, 'diagnosis period');
  const options = parseOrThrow(diagnosisOptionsSchema, input.options ?? {}, 'diagnosis options');
  const { settings, applied } = resolveSettings(options.settings);
  const book = CoefficientBook.withOverrides(options.coefficientOverrides);
  const tariff = compileTariff(options.tariff ?? hunanTouTariff);
  const calendar = input.calendar ?? input.registry.factory.calendar;
  const grid = buildSlotGrid(period.fromMs, period.toMs, calendar, tariff);
  // Every series must sit on the run's quarter-hour grid (the adapter's job): say which one does not.
  const onGrid = (s: IntervalSeries | undefined, what: string) =>
    s && assertOnGrid(s, grid.fromMs, grid.n, what);
  for (const m of input.meters) {
    onGrid(m.consumption, `meter ${m.deviceId} consumption`);
    onGrid(m.powerKw, `meter ${m.deviceId} powerKw`);
    onGrid(m.flowPerH, `meter ${m.deviceId} flowPerH`);
    onGrid(m.reactiveKvarh, `meter ${m.deviceId} reactiveKvarh`);
    onGrid(m.voltageThdPct, `meter ${m.deviceId} voltageThdPct`);
    onGrid(m.voltageUnbalancePct, `meter ${m.deviceId} voltageUnbalancePct`);
    onGrid(m.demandRegisterMaxKw, `meter ${m.deviceId} demandRegisterMaxKw`);
    // Finer series start at the period start and cover it whole.
    for (const [fine, what] of [
      [m.minuteKwh, 'minuteKwh'],
      [m.voltageThdShort, 'voltageThdShort'],
      [m.voltageUnbalanceShort, 'voltageUnbalanceShort'],
    ] as const)
      if (fine) assertFineSeries(fine, grid.fromMs, grid.n * SLOT_MS, `meter ${m.deviceId} ${what}`);
    for (const ph of ['L1', 'L2', 'L3'] as const)
      onGrid(m.voltageV?.[ph], `meter ${m.deviceId} voltage ${ph}`);
  }
  for (const m of input.machines) onGrid(m.goodCount, `machine ${m.deviceId} goodCount`);
  for (const l of input.lines) onGrid(l.output, `line ${l.assetPath} output`);
  onGrid(input.outdoorTempC, 'outdoor temperature');
  const tree = buildMeteringTree(input.registry.devices, input.meters);
  const meterById = new Map(input.meters.map((m) => [m.deviceId, m]));
  const devices = new Map(input.registry.devices.map((d) => [d.id, d]));

  const prices = tariff.versions.map((v) => versionPrices(v.version, options.flatPriceCnyPerKwh));
  const priceCnyPerKwh = new Float64Array(grid.n);
  let priced = true;
  for (let i = 0; i < grid.n; i++) {
    const p = prices[grid.touVersion[i]!]![grid.tou[i]!];
    priceCnyPerKwh[i] = p ?? Number.NaN;
    if (p == null) priced = false;
  }

  const basis = options.electricityBasis;
  const kgce = kgceFactor(book, 'electricity', 'kWh', basis);
  const dataYear = options.gridFactor.dataYear ?? book.data.grid.defaultDataYear;
  const gf = gridFactor(book, input.registry.factory.province, options.gridFactor.scope, dataYear);
  const co2 = co2Factor(book, 'electricity', 'kWh', gf);
  const observedHours = grid.n * SLOT_H;

  const ownCache = new Map<string, Float64Array | null>();
  const ownLoad = (id: string): Float64Array | null => {
    if (ownCache.has(id)) return ownCache.get(id)!;
    const node = tree.nodes.get(id);
    const self = meterById.get(id);
    let out: Float64Array | null = null;
    if (node && self) {
      const kids = node.children.map((c) => meterById.get(c)?.consumption.values);
      // Own load is only defined when every child is metered; otherwise the remainder is unknown.
      out = kids.every((k) => k) ? subtract(self.consumption.values, kids as Float64Array[]) : null;
    }
    ownCache.set(id, out);
    return out;
  };

  // The accounting and the metering rule both read it: a pass over every child's year, once.
  let balanceRows: BalanceRow[] | null = null;
  const balance = () => {
    balanceRows ??= meteringBalance(tree, meterById, grid);
    return balanceRows;
  };

  const machines = mapMachines(input, grid, tree, meterById);
  const compressors = findCompressors(options, tree, devices, machines);

  const ctx: DiagnosisContext = {
    input,
    registry: input.registry,
    options,
    settings,
    settingsApplied: applied,
    book,
    grid,
    tariff,
    tree,
    devices,
    meterById,
    priceCnyPerKwh,
    priced,
    basis,
    kgcePerKwh: kgce.perUnit ?? Number.NaN,
    gridFactorUsed: gf,
    co2KgPerKwh: co2.perUnit,
    observedHours,
    annualFactor: settings.annualHours / observedHours,
    machines,
    compressors,
    ownLoad,
    balance,
    saving: (a) => makeSaving(ctx, a),
  };
  return ctx;
}

function makeSaving(ctx: DiagnosisContext, a: SavingArgs): Saving {
  const hours = a.observedHours ?? ctx.observedHours;
  const factor = ctx.settings.annualHours / hours;
  const energyKwh = a.observedKwh * factor;
  const inv = ctx.options.investments.find(
    (i) => i.rule === a.rule && (i.deviceId === undefined || i.deviceId === a.deviceId),
  );
  // Unpriced slots carry NaN prices, so a cost built from them is NaN: reported as "not computed".
  const costCny =
    a.observedCostCny === null || Number.isNaN(a.observedCostCny) ? null : a.observedCostCny * factor;
  const investmentCny = inv?.investmentCny ?? null;
  const assumptions: Text[] = [
    ...a.assumptions,
    {
      zh: `按观测期 ${hours.toFixed(1)} h 折算为全年 ${ctx.settings.annualHours} h（×${factor.toFixed(3)}）`,
      en: `annualised from ${hours.toFixed(1)} h observed to ${ctx.settings.annualHours} h (×${factor.toFixed(3)})`,
    },
  ];
  if (costCny === null && !ctx.priced)
    assumptions.push({ zh: '未配置电价，未计算费用', en: 'no price configured: cost not computed' });
  return {
    energyKwh,
    tce: (energyKwh * ctx.kgcePerKwh + (a.observedOtherKgce ?? 0) * factor) / 1000,
    tco2: ctx.co2KgPerKwh === null ? 0 : (energyKwh * ctx.co2KgPerKwh) / 1000,
    costCny,
    observedKwh: a.observedKwh,
    observedHours: hours,
    assumptions,
    investmentCny,
    paybackYears: investmentCny !== null && costCny !== null && costCny > 0 ? investmentCny / costCny : null,
  };
}
