import type { DiagnosisContext } from '../context.js';
import { type Finding, type IndicatorInput, type Note, type Severity, t } from '../finding.js';
import type { Text } from '../types.js';
import { fig, type Rule, round, wholePeriod } from './rule.js';

/**
 * Rule 9a — metering coverage against GB 17167 (2006 figures; 2025 edition's tables not yet available):
 * coverage rate = installed ÷ required meters at the whole-unit, main-secondary-unit (workshop) and
 * main-equipment levels. A workshop is a main secondary unit when its machines' rated power reaches the
 * threshold (or any rating is unknown); a machine is main equipment at ≥ the equipment threshold. A
 * workshop counts as metered with a meter at its asset path or at every one of its lines.
 */
export type CoverageLevel = {
  level: 'wholeUnit' | 'secondaryUnit' | 'mainEquipment';
  required: number;
  installed: number;
  ratePct: number | null;
  requiredPct: number | null;
  missing: { id: string; name: string; ratedKw: number | null }[];
};

export function electricityCoverage(ctx: DiagnosisContext): {
  levels: CoverageLevel[];
  unratedMachines: string[];
} {
  const nodes = [...ctx.tree.nodes.values()].filter((n) => n.medium === 'electricity');
  const meterPaths = new Set(nodes.map((n) => n.assetPath));
  const machines = ctx.registry.devices.filter((d) => d.kind === 'machine');
  const unratedMachines = machines.filter((m) => m.ratedPowerKw === undefined).map((m) => m.id);
  const pct = (lvl: string) => ctx.book.tryValue(`metering.electricity.${lvl}Pct`);
  const level = (
    lvl: CoverageLevel['level'],
    items: { id: string; name: string; ratedKw: number | null; ok: boolean }[],
  ): CoverageLevel => ({
    level: lvl,
    required: items.length,
    installed: items.filter((i) => i.ok).length,
    ratePct: items.length ? (items.filter((i) => i.ok).length / items.length) * 100 : null,
    requiredPct: pct(lvl),
    missing: items.filter((i) => !i.ok).map(({ id, name, ratedKw }) => ({ id, name, ratedKw })),
  });
  const hasMain = nodes.some((n) => n.role === 'mainIncomer' || (n.parent === null && n.assetPath === ''));
  const whole = level(
    'wholeUnit',
    nodes.length || machines.length
      ? [
          {
            id: ctx.registry.factory.id,
            name: ctx.registry.factory.name || ctx.registry.factory.id,
            ratedKw: null,
            ok: hasMain,
          },
        ]
      : [],
  );

  const secThreshold = ctx.book.tryValue('metering.electricity.secondaryUnitThreshold') ?? 0;
  const eqThreshold =
    ctx.book.tryValue('metering.electricity.mainEquipmentThreshold') ?? Number.POSITIVE_INFINITY;
  const workshopPaths = new Set(ctx.registry.assets.filter((a) => a.level === 'workshop').map((a) => a.path));
  for (const d of ctx.registry.devices)
    if (d.kind === 'machine' && d.assetPath) workshopPaths.add(d.assetPath.split('/')[0]!);
  const lines = ctx.registry.assets.filter((a) => a.level === 'line');
  const secondary = [...workshopPaths].sort().flatMap((ws) => {
    const inside = machines.filter((m) => m.assetPath === ws || m.assetPath.startsWith(`${ws}/`));
    const rated = inside.reduce((s, m) => s + (m.ratedPowerKw ?? 0), 0);
    const unknown = inside.some((m) => m.ratedPowerKw === undefined);
    if (!inside.length || (!unknown && rated < secThreshold)) return [];
    const wsLines = lines.filter((l) => l.path.startsWith(`${ws}/`));
    const ok = meterPaths.has(ws) || (wsLines.length > 0 && wsLines.every((l) => meterPaths.has(l.path)));
    const name = ctx.registry.assets.find((a) => a.path === ws)?.name ?? ws;
    return [{ id: ws, name, ratedKw: unknown ? null : rated, ok }];
  });
  const byMachine = new Map(ctx.machines.map((m) => [m.deviceId, m]));
  const equipment = machines
    .filter((m) => (m.ratedPowerKw ?? 0) >= eqThreshold)
    .map((m) => ({
      id: m.id,
      name: m.name ?? m.id,
      ratedKw: m.ratedPowerKw ?? null,
      ok: !!byMachine.get(m.id)?.meterId || meterPaths.has(m.assetPath),
    }));
  return {
    levels: [whole, level('secondaryUnit', secondary), level('mainEquipment', equipment)],
    unratedMachines,
  };
}

const LEVEL_TEXT: Record<CoverageLevel['level'], Text> = {
  wholeUnit: t('进出用能单位', 'whole unit (site boundary)'),
  secondaryUnit: t('主要次级用能单位', 'main secondary units'),
  mainEquipment: t('主要用能设备', 'main energy-using equipment'),
};

export const meteringCoverage: Rule = {
  id: 'meteringCoverage',
  category: 'metering',
  title: t('能源计量器具配备率', 'Energy-meter coverage'),
  basis: ['GB 17167-2006 用能单位能源计量器具配备和管理通则 §4.3 (coverage rate = installed ÷ required)'],
  run(ctx) {
    const { levels, unratedMachines } = electricityCoverage(ctx);
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    const notes: Note[] = [];
    const ed = ctx.book.data.metering.edition;
    if (ctx.input.period.toMs > Date.parse(`${ed.supersededFrom}T00:00:00+08:00`))
      notes.push({
        code: 'gb17167Edition',
        severity: 'low',
        text: t(
          `${ed.supersededBy} 自 ${ed.supersededFrom} 起实施，本报告仍按 GB 17167-2006 的配备要求评价：${ed.note}`,
          `${ed.supersededBy} applies from ${ed.supersededFrom}; coverage is still judged on the GB 17167-2006 requirements: ${ed.note}`,
        ),
      });
    if (unratedMachines.length)
      notes.push({
        code: 'unratedMachines',
        severity: 'info',
        text: t(
          `${unratedMachines.length} 台设备未登记额定功率，无法判断是否属主要用能设备`,
          `${unratedMachines.length} machine(s) without a rated power: cannot tell whether they are main equipment`,
        ),
      });
    for (const l of levels) {
      if (!l.required) continue;
      indicators.push({
        key: `meteringCoverage:electricity:${l.level}`,
        label: t(
          `电力计量器具配备率（${LEVEL_TEXT[l.level].zh}）`,
          `Electricity meter coverage (${LEVEL_TEXT[l.level].en})`,
        ),
        value: l.ratePct,
        unit: '%',
        reference:
          l.requiredPct !== null
            ? [{ kind: 'limit', value: l.requiredPct, source: 'GB 17167-2006', confidence: 'S' }]
            : [],
        assessment:
          l.requiredPct === null || l.ratePct === null
            ? 'unknown'
            : l.ratePct >= l.requiredPct
              ? 'within'
              : 'worse',
        basis: 'installed ÷ required',
      });
      if (l.requiredPct === null || l.ratePct === null || l.ratePct >= l.requiredPct) continue;
      const severity: Severity = l.level === 'wholeUnit' ? 'high' : 'medium';
      findings.push({
        id: `meteringCoverage:electricity:${l.level}`,
        rule: 'meteringCoverage',
        category: 'metering',
        severity,
        title: t(
          `${LEVEL_TEXT[l.level].zh}电力计量配备率不足`,
          `Electricity meter coverage below requirement: ${LEVEL_TEXT[l.level].en}`,
        ),
        what: t(
          `应配 ${l.required}，已配 ${l.installed}，配备率 ${round(l.ratePct, 1)}%，要求 ${l.requiredPct}%。缺少：${l.missing.map((m) => m.name).join('、')}。`,
          `${l.installed} of ${l.required} required meters installed (${round(l.ratePct, 1)} %), ${l.requiredPct} % required. Missing: ${l.missing.map((m) => m.name).join(', ')}.`,
        ),
        where: { name: ctx.registry.factory.name || ctx.registry.factory.id },
        when: wholePeriod(ctx),
        evidence: {
          series: [],
          figures: [
            fig('required', '应配数量', 'Required', l.required, '1'),
            fig('installed', '已配数量', 'Installed', l.installed, '1'),
            fig('ratePct', '配备率', 'Coverage', l.ratePct, '%'),
            fig('requiredPct', '要求配备率', 'Required coverage', l.requiredPct, '%'),
          ],
          table: {
            columns: [t('对象', 'Unit / equipment'), t('名称', 'Name'), t('额定功率 kW', 'Rated kW')],
            rows: l.missing.map((m) => [m.id, m.name, m.ratedKw]),
          },
        },
        recommendation: t(
          '按 GB 17167 补装电能计量表并接入平台，计量数据纳入能源统计。',
          'Install the missing electricity meters per GB 17167, connect them to the platform and use them in the energy statistics.',
        ),
        basis: [
          `${ctx.book.data.metering.document}; thresholds: ${ctx.book.data.metering.mainThresholdsNote}`,
        ],
      });
    }
    return { findings, indicators, notes };
  },
};
