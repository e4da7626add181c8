import type { LiveData } from './live-data.js';

/**
 * A meter's mean load over [fromMs, toMs), kW: the time-weighted mean of its active-power gauge (last value
 * held), else its energy counter's increase over the window.
 */
export async function currentLoadKw(
  data: LiveData,
  meterId: string,
  fromMs: number,
  toMs: number,
): Promise<number | null> {
  const power = data.metric(meterId, 'activePower');
  if (power) {
    const kw = await data.stepMean(meterId, power.key, fromMs, toMs);
    if (kw !== null) return kw;
  }
  const counter = data.metric(meterId, 'activeEnergyImport');
  if (!counter) return null;
  const [a, b] = await Promise.all([
    data.valueAt(meterId, counter.key, fromMs),
    data.valueAt(meterId, counter.key, toMs),
  ]);
  if (a?.value == null || b?.value == null || b.value < a.value) return null;
  return (b.value - a.value) / ((toMs - fromMs) / 3_600_000);
}
