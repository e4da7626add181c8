import { localMidnight } from '@xiang/protocol';
import type { IndicatorInputs } from '../../grading/indicators/types.js';
import { computeFactoryOee } from '../../oee/index.js';
import { loadGradingInputs } from '../../query/grading-inputs.js';
import { loadOeeInputs } from '../../query/oee-inputs.js';
import { productionOnly } from '../../query/oee-report.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import type { TimeSeriesStore } from '../../store/types.js';
import { type CoverageOutcome, loadEnergyMeteringCoverage } from './energy-coverage.js';
import { GradingError } from './service-error.js';

/**
 * Registry + store → the indicator inputs of one factory and period: the OEE of every machine (loss tree),
 * the store's coverage and freshness of every registered series, and the energy-metering coverage from the
 * energy diagnostics (replaceable: `energyCoverage`, e.g. a stored diagnosis). Shared by the API's grading
 * service and `xiang grade`.
 */
const DAY_MS = 86_400_000;
export type Progress = (stage: string) => void;
export type EnergyCoverageSource = (
  inputs: Pick<IndicatorInputs, 'snapshot' | 'fromMs' | 'toMs'>,
) => Promise<CoverageOutcome>;

export type LoadedInputs = { inputs: IndicatorInputs; notes: string[] };

/** Everything the indicators need for one factory and period, read from the registry and the store. */
export async function loadIndicatorInputs(
  deps: { registry: Registry; store: TimeSeriesStore; energyCoverage?: EnergyCoverageSource },
  factoryId: string,
  period: { fromMs: number; toMs: number },
  nowMs: number,
  progress: Progress = () => {},
): Promise<LoadedInputs> {
  if (!deps.registry.factory(factoryId)) throw new GradingError(404, `factory "${factoryId}" is not known`);
  // The period is clipped to the time the factory has data for (issue 10 §6): indicators are measured there,
  // and their coverage says what share of the requested period that was.
  const full = deps.registry.snapshot(factoryId, {
    historyFromMs: period.fromMs - DAY_MS,
    historyToMs: period.toMs,
  });
  const span = await dataSpan(deps.store, full, nowMs);
  const covered = span && {
    fromMs: Math.max(period.fromMs, span.startMs),
    toMs: Math.min(period.toMs, span.endMs),
  };
  const clipped =
    covered !== null &&
    covered.toMs > covered.fromMs &&
    (covered.fromMs > period.fromMs || covered.toMs < period.toMs);
  const { fromMs, toMs } = clipped ? covered : period;
  const snapshot = clipped
    ? deps.registry.snapshot(factoryId, { historyFromMs: fromMs - DAY_MS, historyToMs: toMs })
    : full;
  progress(
    `OEE inputs: ${productionOnly(snapshot).devices.filter((d) => d.kind === 'machine').length} machine(s)`,
  );
  const machines = await loadOeeInputs(deps.store, productionOnly(snapshot), { fromMs, toMs });
  const oee = computeFactoryOee({ snapshot, machines, fromMs, toMs });
  progress('energy-metering coverage (energy diagnostics, GB 17167)');
  const source =
    deps.energyCoverage ?? ((i) => loadEnergyMeteringCoverage(deps.store, i.snapshot, i.fromMs, i.toMs));
  const coverage = await source({ snapshot, fromMs, toMs });
  progress(`data coverage of ${snapshot.metrics.length} series`);
  const inputs = await loadGradingInputs(deps.store, snapshot, {
    fromMs,
    toMs,
    nowMs,
    oee,
    ...(coverage.indicator ? { energyMeteringCoverage: coverage.indicator } : {}),
    ...(span ? { dataSpan: span } : {}),
  });
  const notes = [`energy-metering coverage: ${coverage.note}`];
  if (clipped) {
    inputs.requestedPeriod = period;
    notes.push(
      `period clipped to the data: ${new Date(fromMs).toISOString()} – ${new Date(toMs).toISOString()} of ${new Date(period.fromMs).toISOString()} – ${new Date(period.toMs).toISOString()}`,
    );
  }
  return { inputs, notes };
}

/**
 * The time the factory has data for: from its first device's birth (or an earlier sample: history replayed with
 * source times before the birth) to now while any device is online, else to its newest stored sample. Null
 * without devices.
 */
export async function dataSpan(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  nowMs: number,
): Promise<{ startMs: number; endMs: number } | null> {
  if (snapshot.devices.length === 0) return null;
  let startMs = Math.min(...snapshot.devices.map((d) => d.firstSeenMs));
  // One series per device is enough to find data older than the births.
  for (const d of snapshot.devices) {
    const m = snapshot.metrics.find((x) => x.deviceId === d.id);
    if (!m) continue;
    const first = (
      await store.raw({ factoryId: snapshot.factory.id, deviceId: d.id, metric: m.key }, 0, startMs, 1)
    )[0];
    if (first) startMs = Math.min(startMs, first.tsMs);
  }
  if (snapshot.devices.some((d) => d.online)) return { startMs, endMs: Math.max(startMs, nowMs) };
  const newest = (await store.latest(snapshot.factory.id)).reduce((m, l) => Math.max(m, l.tsMs), startMs);
  return { startMs, endMs: newest };
}

/** Default assessment period: the 30 local days before today (the grading CLI's default too). */
export function defaultPeriod(nowMs: number, utcOffsetMinutes = 480): { fromMs: number; toMs: number } {
  const end = localMidnight({ utcOffsetMinutes }, nowMs);
  return { fromMs: end - 30 * DAY_MS, toMs: end };
}
