import type { DiagnosisContext } from '../context.js';
import { type Finding, type IndicatorInput, t } from '../finding.js';
import { quantile } from '../series.js';
import type { IntervalSeries, MeterSeries, Text } from '../types.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 7 — power quality per meter: voltage deviation (GB/T 12325), voltage unbalance (GB/T 15543) and
 * voltage THD (GB/T 14549), each judged on the 95th percentile of the quarter-hour values (settings). The
 * nominal voltage comes from the run options or the nearest standard level to the median reading. Without
 * a meter-reported unbalance, it is approximated from the phase magnitudes (max deviation from the mean —
 * the negative-sequence ratio needs phase angles), and the finding says so.
 */
const LEVELS = [
  { kv: 0.38, phaseV: 220 },
  { kv: 0.4, phaseV: 230 },
  { kv: 6, phaseV: 6000 / Math.sqrt(3) },
  { kv: 10, phaseV: 10000 / Math.sqrt(3) },
  { kv: 20, phaseV: 20000 / Math.sqrt(3) },
  { kv: 35, phaseV: 35000 / Math.sqrt(3) },
  { kv: 66, phaseV: 66000 / Math.sqrt(3) },
  { kv: 110, phaseV: 110000 / Math.sqrt(3) },
];

export const powerQuality: Rule = {
  id: 'powerQuality',
  category: 'processSystem',
  title: t('电能质量', 'Power quality'),
  basis: ['GB/T 12325-2008 电压偏差', 'GB/T 15543-2008 三相电压不平衡', 'GB/T 14549-1993 公用电网谐波'],
  run(ctx) {
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    let any = false;
    for (const m of ctx.meterById.values()) {
      if (!m.voltageV && !m.voltageThdPct && !m.voltageUnbalancePct) continue;
      any = true;
      findings.push(...diagnoseMeter(ctx, m, indicators));
    }
    if (!any) return { findings, skipped: t('无电压/谐波数据', 'no voltage or harmonic data') };
    return { findings, indicators };
  },
};

type Nominal = { phaseV: number; kv: number; source: 'declared' | 'runOption' | 'inferred' };

/** Nominal voltage of the point: declared (equipment.nominalVoltageKv), run option, else the nearest standard
 * level to the median phase voltage (inferred, said so). */
function nominal(ctx: DiagnosisContext, m: MeterSeries): Nominal | null {
  const declaredKv = ctx.devices.get(m.deviceId)?.equipment?.nominalVoltageKv;
  const given = ctx.options.nominalPhaseVoltageV[m.deviceId];
  if (given !== undefined) {
    const best = nearestLevel(given);
    return { phaseV: given, kv: declaredKv ?? best.kv, source: 'runOption' };
  }
  if (declaredKv !== undefined)
    return { phaseV: (declaredKv * 1000) / Math.sqrt(3), kv: declaredKv, source: 'declared' };
  const median = m.voltageV?.L1 ? quantile(m.voltageV.L1.values, 0.5) : Number.NaN;
  if (Number.isNaN(median)) return null;
  const best = nearestLevel(median);
  return Math.abs(best.phaseV / median - 1) <= 0.15 ? { ...best, source: 'inferred' } : null;
}

function nearestLevel(phaseV: number) {
  return LEVELS.reduce((a, b) =>
    Math.abs(Math.log(b.phaseV / phaseV)) < Math.abs(Math.log(a.phaseV / phaseV)) ? b : a,
  );
}

/** The statistic's data: short-interval values when the input carries them, else the 15-min means. */
function statSeries(short: IntervalSeries | undefined, slot: IntervalSeries | undefined) {
  if (short) return { values: short.values, minutes: short.intervalMs / 60_000, short: true };
  return slot ? { values: slot.values, minutes: 15, short: false } : null;
}
function statText(st: { minutes: number; short: boolean }) {
  return st.short
    ? t(`${st.minutes} 分钟值的 95% 概率值`, `95 % value of ${st.minutes}-min values`)
    : t(
        '15 分钟均值的 95% 概率值（无更短时段数据；15 分钟均值会掩盖短时超限）',
        '95 % value of 15-min means (no shorter values in the data: 15-min means hide short-time excursions)',
      );
}

function diagnoseMeter(ctx: DiagnosisContext, m: MeterSeries, indicators: IndicatorInput[]): Finding[] {
  const out: Finding[] = [];
  const q = ctx.settings.powerQuality.percentile;
  const n = ctx.grid.n;
  const nom = nominal(ctx, m);
  const phases = (['L1', 'L2', 'L3'] as const).flatMap((p) =>
    m.voltageV?.[p] ? [m.voltageV[p]!.values] : [],
  );
  const name = nameOf(ctx, m.deviceId);
  const push = (args: {
    key: string;
    title: Text;
    what: Text;
    p95: number;
    max: number;
    limit: number;
    unit: string;
    metric: string;
    standard: string;
    severity: Finding['severity'];
    recommendation: Text;
    extra?: ReturnType<typeof fig>[];
    statistic?: Text;
  }) => {
    indicators.push({
      key: `${args.key}:${m.deviceId}`,
      label: t(`${name} ${args.title.zh}（P95）`, `${name} ${args.title.en} (P95)`),
      value: args.p95,
      unit: args.unit,
      where: m.deviceId,
      reference: [{ kind: 'limit', value: args.limit, source: args.standard }],
      assessment: args.severity === 'info' ? 'within' : 'worse',
      basis: args.standard,
    });
    if (args.severity === 'info') return;
    out.push({
      id: `${args.key}:${m.deviceId}`,
      rule: 'powerQuality',
      category: 'processSystem',
      severity: args.severity,
      title: t(`${name}${args.title.zh}超标`, `${name}: ${args.title.en} above the limit`),
      what: args.what,
      where: whereOf(ctx, m.deviceId),
      when: wholePeriod(ctx),
      evidence: {
        series: [seriesRef(ctx, m.deviceId, args.metric)],
        figures: [
          fig('p95', '95% 概率值', '95th percentile', args.p95, args.unit),
          fig('max', '最大值', 'Maximum', args.max, args.unit),
          fig('limit', '限值', 'Limit', args.limit, args.unit),
          ...(args.extra ?? []),
        ],
      },
      recommendation: args.recommendation,
      basis: [args.standard, ...(args.statistic ? [args.statistic.en] : [])],
      reliesOn: nom
        ? [{ deviceId: m.deviceId, fact: 'nominalVoltageKv', value: nom.kv, source: nom.source }]
        : [{ deviceId: m.deviceId, fact: 'nominalVoltageKv', value: null, source: 'missing' }],
    });
  };

  if (nom && phases.length) {
    const isHv = nom.kv >= 35;
    // Voltage deviation needs the true nominal phase voltage: a 0.38 kV point reads ≈220 V.
    const dev = new Float64Array(n);
    const devLow = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let hi = Number.NaN;
      let lo = Number.NaN;
      for (let p = 0; p < phases.length; p++) {
        const d = ((phases[p]![i]! - nom.phaseV) / nom.phaseV) * 100;
        if (Number.isNaN(d)) continue;
        if (!(d <= hi)) hi = d;
        if (!(d >= lo)) lo = d;
      }
      dev[i] = hi;
      devLow[i] = lo;
    }
    const p95 = quantile(dev, q);
    const p5 = quantile(devLow, 1 - q);
    const max = maxOf(dev);
    // ≥35 kV: |+dev| + |−dev| ≤ 10 %; ≤20 kV three-phase: ±7 % (GB/T 12325-2008).
    const sumAbs = isHv ? ctx.book.value('pq.deviation.ge35kV.sumAbsPct') : Number.NaN;
    const upper = isHv ? sumAbs : ctx.book.value('pq.deviation.le20kV3ph.upperPct');
    const lower = isHv ? -sumAbs : ctx.book.value('pq.deviation.le20kV3ph.lowerPct');
    const bad = isHv ? Math.max(0, p95) + Math.max(0, -p5) > sumAbs : p95 > upper || p5 < lower;
    if (!Number.isNaN(p95))
      push({
        key: 'voltageDeviation',
        title: t('电压偏差', 'voltage deviation'),
        what: t(
          `电压偏差 95% 概率值 ${round(p95, 2)}% / 5% 概率值 ${round(p5, 2)}%，限值 ${lower}%～+${upper}%（标称相电压 ${round(nom.phaseV, 0)} V）。`,
          `Voltage deviation P95 ${round(p95, 2)} % / P5 ${round(p5, 2)} % against ${lower} … +${upper} % (nominal phase voltage ${round(nom.phaseV, 0)} V).`,
        ),
        p95,
        max,
        limit: upper,
        unit: '%',
        metric: 'voltage',
        standard: 'GB/T 12325-2008',
        severity: bad ? 'medium' : 'info',
        recommendation: t(
          '调整变压器分接头、核查线路压降与无功补偿。',
          'Adjust the transformer tap, check feeder voltage drop and reactive compensation.',
        ),
        extra: [
          fig('p5', '5% 概率值', '5th percentile', p5, '%'),
          fig('nominalPhaseV', '标称相电压', 'Nominal phase voltage', nom.phaseV, 'V'),
        ],
      });
  }

  const unbSt = statSeries(m.voltageUnbalanceShort, m.voltageUnbalancePct);
  const unb = unbSt?.values ?? (phases.length === 3 ? magnitudeUnbalance(phases, n) : null);
  if (unb) {
    const p95 = quantile(unb, q);
    const max = maxOf(unb);
    const st = unbSt ?? { minutes: 15, short: false };
    const normal = ctx.book.value('pq.unbalance.normalPct');
    const short = ctx.book.value('pq.unbalance.shortTimePct');
    const approx = !m.voltageUnbalancePct;
    if (!Number.isNaN(p95))
      push({
        key: 'voltageUnbalance',
        title: t('三相电压不平衡度', 'voltage unbalance'),
        what: t(
          `电压不平衡度 ${statText(st).zh} ${round(p95, 2)}%（限值 ${normal}%），最大 ${round(max, 2)}%（短时限值 ${short}%）${approx ? '；由相电压幅值近似（最大偏差/平均值），非负序分量法' : ''}。`,
          `Voltage unbalance, ${statText(st).en}: ${round(p95, 2)} % (limit ${normal} %), maximum ${round(max, 2)} % (short-time limit ${short} %)${approx ? '; approximated from phase magnitudes (max deviation / mean), not the negative-sequence ratio' : ''}.`,
        ),
        statistic: statText(st),
        p95,
        max,
        limit: normal,
        unit: '%',
        metric: approx ? 'voltage' : 'voltageUnbalance',
        standard: 'GB/T 15543-2008',
        severity: p95 > normal ? 'medium' : max > short ? 'low' : 'info',
        recommendation: t(
          '重新分配单相负荷，检查三相负荷平衡与缺相、接触不良。',
          'Rebalance single-phase loads across phases; check for loose connections or a lost phase.',
        ),
      });
  }

  const thdSt = statSeries(m.voltageThdShort, m.voltageThdPct);
  if (thdSt) {
    const p95 = quantile(thdSt.values, q);
    const max = maxOf(thdSt.values);
    const kv = nom?.kv ?? 0.38;
    const row = ctx.book.data.powerQuality.thd.find((r) =>
      kv <= 1
        ? r.nominalKv === 0.38
        : kv <= 20
          ? r.nominalKv === 10
          : kv <= 66
            ? r.nominalKv === 66
            : r.nominalKv === 110,
    )!;
    const limit = ctx.book.value(`${row.id}.thdPct`);
    if (!Number.isNaN(p95))
      push({
        key: 'voltageThd',
        title: t('电压总谐波畸变率', 'voltage THD'),
        what: t(
          `电压总谐波畸变率 ${statText(thdSt).zh} ${round(p95, 2)}%，限值 ${limit}%（${row.nominalKv} kV 等级，标称电压${nom ? `${nom.source === 'inferred' ? '由读数推断' : '已登记'} ${nom.kv} kV` : '未知，按 0.38 kV'}）。`,
          `Voltage THD, ${statText(thdSt).en}: ${round(p95, 2)} % against the ${limit} % limit (${row.nominalKv} kV level; nominal voltage ${nom ? `${nom.source === 'inferred' ? 'inferred from readings' : 'declared'} ${nom.kv} kV` : 'unknown, 0.38 kV assumed'}).`,
        ),
        statistic: statText(thdSt),
        p95,
        max,
        limit,
        unit: '%',
        metric: 'voltageThd',
        standard: 'GB/T 14549-1993',
        severity: p95 > limit ? 'medium' : 'info',
        recommendation: t(
          '定位谐波源（变频器、整流设备），加装滤波器或选用低谐波设备。',
          'Locate harmonic sources (drives, rectifiers); add filters or choose low-harmonic equipment.',
        ),
      });
  }
  return out;
}

/** Largest non-NaN value (NaN when none). */
function maxOf(a: Float64Array): number {
  let m = Number.NaN;
  for (let i = 0; i < a.length; i++) if (!(a[i]! <= m)) m = !Number.isNaN(a[i]!) ? a[i]! : m;
  return m;
}

/** (max |Vi − V̄|) / V̄ × 100 per slot (NEMA-style approximation from magnitudes). */
function magnitudeUnbalance(phases: Float64Array[], n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = phases[0]![i]!;
    const b = phases[1]![i]!;
    const c = phases[2]![i]!;
    const mean = (a + b + c) / 3;
    out[i] = (Math.max(Math.abs(a - mean), Math.abs(b - mean), Math.abs(c - mean)) / mean) * 100;
  }
  return out;
}
