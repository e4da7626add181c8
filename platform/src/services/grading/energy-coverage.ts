import { buildContext } from '../../energy/context.js';
import { electricityCoverage } from '../../energy/rules/metering-coverage.js';
import type { ExternalIndicator } from '../../grading/indicators/types.js';
import { loadEnergyInputs } from '../../query/energy-inputs.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import type { TimeSeriesStore } from '../../store/types.js';

/**
 * Energy-metering coverage for grading, from the energy diagnostics' own GB 17167 rule (energy/rules/
 * metering-coverage.ts): installed ÷ required electricity meters at the whole-unit, main-secondary-unit and
 * main-equipment levels. Grading needs one share, so the indicator is the weakest level's rate — a factory is
 * as well metered as its worst-covered level (our reading; the levels' own rates travel in `counts`).
 * When the diagnostics cannot run (no meters, a bad registry link) the indicator is absent and the grading
 * indicator falls back to its registry proxy, which says so in its notes — never a made-up number.
 * I/O: loads the diagnosis input from the store (one pass over the period's meter series).
 */
export type CoverageOutcome = { indicator: ExternalIndicator | null; note: string };

const LEVEL_NAMES = {
  wholeUnit: { zh: '进出用能单位', en: 'whole unit' },
  secondaryUnit: { zh: '主要次级用能单位', en: 'main secondary units' },
  mainEquipment: { zh: '主要用能设备', en: 'main energy-using equipment' },
} as const;

export async function loadEnergyMeteringCoverage(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  fromMs: number,
  toMs: number,
): Promise<CoverageOutcome> {
  try {
    const input = await loadEnergyInputs(store, snapshot, { fromMs, toMs, generatedAtMs: toMs });
    const { levels } = electricityCoverage(buildContext(input));
    const counted = levels.filter((l) => l.required > 0);
    if (counted.length === 0)
      return { indicator: null, note: 'no electricity meter is required by GB 17167 for this registry' };
    const rates = counted.map((l) => l.installed / l.required);
    const counts: Record<string, number> = {};
    for (const l of counted) {
      counts[`${l.level}Required`] = l.required;
      counts[`${l.level}Installed`] = l.installed;
    }
    return {
      indicator: {
        value: Math.min(...rates),
        counts,
        formula: {
          zh: `GB 17167-2006 电力计量器具配备率（已配 ÷ 应配），取${counted.map((l) => LEVEL_NAMES[l.level].zh).join('、')}中最低一级`,
          en: `GB 17167-2006 electricity meter coverage (installed ÷ required), the lowest of: ${counted.map((l) => LEVEL_NAMES[l.level].en).join(', ')}`,
        },
        pullingDown: counted.flatMap((l) =>
          l.missing.map((m) => ({
            kind: 'asset' as const,
            ref: m.id,
            value: 0,
            reason: {
              zh: `缺少电能计量表（${LEVEL_NAMES[l.level].zh}：${m.name}）`,
              en: `Missing electricity meter (${LEVEL_NAMES[l.level].en}: ${m.name})`,
            },
          })),
        ),
      },
      note: 'from the energy diagnostics (GB 17167 metering coverage)',
    };
  } catch (e) {
    return {
      indicator: null,
      note: `energy diagnostics could not compute the metering coverage: ${(e as Error).message}`,
    };
  }
}
