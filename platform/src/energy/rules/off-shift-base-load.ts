import type { DiagnosisContext } from '../context.js';
import { type Finding, type Note, severityFrom, t } from '../finding.js';
import type { TreeNode } from '../tree.js';
import { analyseMeter, type OffShiftResult, offShiftShared, type Undeclared } from './off-shift-analysis.js';
import { fig, nameOf, plantProductionKw, type Rule, round, seriesRef, whereOf } from './rule.js';

/**
 * Rule 1 — off-shift base load / standby waste, per electricity meter (a parent's own load = parent − Σ
 * children, so savings never count twice), sized per off-production window (off-shift-analysis.ts): the
 * excess over the DECLARED expected load, or — without a declaration — a load that starts or stops inside
 * the period, both above an absolute AND a relative threshold. Declared always-on loads are not waste; the
 * incomer's own load is losses plus unmetered loads; compressors and idling machines have their own rules.
 */
export const offShiftBaseLoad: Rule = {
  id: 'offShiftBaseLoad',
  category: 'energyEfficiency',
  title: t('非生产时段基础负荷（待机浪费）', 'Off-shift base load (standby waste)'),
  basis: [
    'Base (idle) load and non-production energy ratio: opengrid standby(), OpenEIS daily summary (reference §9)',
    'Per off-production window against the declared standby / always-on load (issue 9)',
    'GB/T 2589-2020 综合能耗计算通则 (tce)',
  ],
  run(ctx) {
    if (!ctx.grid.hasCalendar)
      return {
        findings: [],
        skipped: t(
          '未配置班次日历，无法区分生产与非生产时段',
          'no shift calendar: production and off-shift time cannot be told apart',
        ),
      };
    const plantKw = plantProductionKw(ctx);
    const compressors = new Set(ctx.compressors.map((c) => c.meterId));
    const findings: Finding[] = [];
    const notes: Note[] = [];
    const undeclared: Undeclared[] = [];
    const shared = offShiftShared(ctx);
    for (const id of ctx.tree.order) {
      const node = ctx.tree.nodes.get(id)!;
      if (node.medium !== 'electricity' || node.series < 0 || compressors.has(id)) continue;
      const eq = ctx.devices.get(id)?.equipment;
      if (eq?.operatingProfile === 'alwaysOn') {
        notes.push(alwaysOnNote(ctx, id));
        continue;
      }
      if (node.children.length && (node.role === 'mainIncomer' || eq?.class === 'transformer')) {
        notes.push(lossNote(ctx, node));
        continue;
      }
      const r = analyseMeter(ctx, node, undeclared, shared);
      if (r) findings.push(finding(ctx, r, plantKw));
    }
    for (const u of undeclared) {
      const f = undeclaredFinding(ctx, u);
      if (f) findings.push(f);
    }
    return { findings, notes };
  },
};

function label(ctx: DiagnosisContext, id: string, own: boolean) {
  const name = nameOf(ctx, id);
  return own
    ? { zh: `${name}（本表自身负荷）`, en: `${name} (own load, net of sub-meters)` }
    : { zh: name, en: name };
}

function finding(ctx: DiagnosisContext, r: OffShiftResult, plantKw: number): Finding {
  const s = ctx.settings.baseLoad;
  const node = ctx.tree.nodes.get(r.meterId)!;
  const l = label(ctx, r.meterId, r.own);
  const severity = severityFrom(r.excessKw / plantKw, s.severityShareOfPlantLoad);
  const day = (ms: number) =>
    new Date(ms + ctx.grid.utcOffsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
  const elevatedHours = r.elevated.reduce((a, w) => a + w.hours, 0);
  const allWindows = r.windows.length;
  const how =
    r.method === 'declared'
      ? t(
          `对照登记的待机/常开负荷 ${round(r.referenceKw)} kW`,
          `against the declared standby/always-on load of ${round(r.referenceKw)} kW`,
        )
      : t(
          `对照本表其余非生产时段的水平 ${round(r.referenceKw)} kW（未登记待机功率；该负荷在期间内出现或消失）`,
          `against this meter's level in its other off-production windows, ${round(r.referenceKw)} kW (no standby declared; the load started or stopped inside the period)`,
        );
  return {
    id: `offShiftBaseLoad:${r.meterId}`,
    rule: 'offShiftBaseLoad',
    category: 'energyEfficiency',
    severity,
    title: t(`${l.zh}非生产时段负荷偏高`, `High off-shift load on ${l.en}`),
    what: t(
      `${r.elevated.length}/${allWindows} 个非生产时段（共 ${round(elevatedHours, 1)} h，自 ${day(r.startedMs)} 起）平均负荷 ${round(r.elevatedKw)} kW，${how.zh}，超出 ${round(r.excessKw)} kW。`,
      `In ${r.elevated.length} of ${allWindows} off-production windows (${round(elevatedHours, 1)} h, from ${day(r.startedMs)}) the load averaged ${round(r.elevatedKw)} kW, ${how.en}: ${round(r.excessKw)} kW in excess.`,
    ),
    where: { ...whereOf(ctx, r.meterId), name: l.zh },
    when: { fromMs: r.startedMs, toMs: r.endedMs, label: 'offShift' },
    evidence: {
      series: [
        seriesRef(ctx, r.meterId, 'activeEnergyImport'),
        ...(r.own ? node.children.map((c) => seriesRef(ctx, c, 'activeEnergyImport')) : []),
      ],
      figures: [
        fig(
          'productionKw',
          '生产时段平均负荷（本表总量）',
          'Mean production-time load (meter total)',
          r.grossProductionKw,
          'kW',
        ),
        fig('offShiftKw', '超标时段平均负荷', 'Mean load in the elevated windows', r.elevatedKw, 'kW'),
        fig(
          'targetKw',
          r.method === 'declared' ? '登记的预期负荷' : '其余时段水平',
          r.method === 'declared' ? 'Declared expected load' : 'Level in the other windows',
          r.referenceKw,
          'kW',
        ),
        fig('excessKw', '超出', 'Excess', r.excessKw, 'kW'),
        fig('thresholdKw', '判定阈值', 'Detection threshold', r.thresholdKw, 'kW'),
        fig('offShiftHours', '超标非生产时长', 'Elevated off-production hours', elevatedHours, 'h'),
        fig('wasteKwh', '观测期超额电量', 'Excess energy in the period', r.wasteKwh, 'kWh'),
      ],
      table: {
        columns: [t('时段开始', 'Window start'), t('时长 h', 'Hours'), t('平均 kW', 'Mean kW')],
        rows: r.elevated
          .slice(0, 20)
          .map((w) => [day(ctx.grid.fromMs + w.start * 900_000), round(w.hours, 2), round(w.kw, 2)]),
      },
    },
    saving: ctx.saving({
      rule: 'offShiftBaseLoad',
      deviceId: r.meterId,
      observedKwh: r.wasteKwh,
      observedCostCny: r.wasteCny,
      observedHours: r.coveredHours,
      assumptions: [
        how,
        t(
          '按超标非生产时段逐刻钟超出部分计',
          'excess counted per quarter-hour of the elevated off-production windows',
        ),
      ],
    }),
    recommendation: t(
      '下班后关闭非必要设备和辅助系统（照明、通风、加热、待机设备），为设备设置定时/自动待机，并排查持续运行的异常负荷；若为工艺必需的常开负荷，请在设备登记中声明。',
      'Switch off non-essential equipment and auxiliaries after shifts, set timers or auto-standby, and trace loads that keep running; if the load is a process load that must run, declare it always-on in the registry.',
    ),
    basis: [
      ...offShiftBaseLoad.basis,
      `thresholds: ≥ ${s.minExcessKw} kW and ≥ ${s.minShareOfMeterLoad * 100} % of the meter's production-time load`,
    ],
    reliesOn: r.reliesOn,
    coverage: { coveredHours: r.coveredHours, periodHours: ctx.observedHours },
  };
}

/** An undeclared off-shift load that runs all period: information only — it may be a need. */
function undeclaredFinding(ctx: DiagnosisContext, u: Undeclared): Finding | null {
  const s = ctx.settings.baseLoad;
  if (!(u.offKw >= s.minExcessKw && u.offKw > s.infoShareOfProductionLoad * u.productionKw)) return null;
  const l = label(ctx, u.meterId, u.own);
  return {
    id: `offShiftBaseLoad:${u.meterId}`,
    rule: 'offShiftBaseLoad',
    category: 'energyEfficiency',
    severity: 'info',
    title: t(`${l.zh}非生产时段负荷（未登记待机功率）`, `Off-shift load on ${l.en} (no standby declared)`),
    what: t(
      `非生产时段平均 ${round(u.offKw)} kW，为生产时段（${round(u.productionKw)} kW）的 ${round((u.offKw / u.productionKw) * 100, 1)}%，整个期间持续存在；未登记待机或常开功率，无法判断是否浪费。`,
      `Off-production load ${round(u.offKw)} kW, ${round((u.offKw / u.productionKw) * 100, 1)} % of the production-time load (${round(u.productionKw)} kW), present all period; without a declared standby or always-on power it cannot be judged as waste.`,
    ),
    where: { ...whereOf(ctx, u.meterId), name: l.zh },
    when: { fromMs: ctx.input.period.fromMs, toMs: ctx.input.period.toMs, label: 'offShift' },
    evidence: {
      series: [seriesRef(ctx, u.meterId, 'activeEnergyImport')],
      figures: [
        fig('offShiftKw', '非生产时段平均负荷', 'Mean off-production load', u.offKw, 'kW'),
        fig('productionKw', '生产时段平均负荷', 'Mean production-time load', u.productionKw, 'kW'),
      ],
    },
    recommendation: t(
      '在设备登记中声明该回路的待机功率或常开负荷（如洁净室空调、宿舍），以便判断非生产时段用电是否合理。',
      'Declare the standby or always-on power of this circuit in the registry (e.g. clean-room HVAC, dormitory) so its off-shift use can be judged.',
    ),
    basis: offShiftBaseLoad.basis,
    reliesOn: [{ deviceId: u.meterId, fact: 'standbyPowerKw', value: null, source: 'missing' }],
  };
}

function alwaysOnNote(ctx: DiagnosisContext, id: string): Note {
  const name = nameOf(ctx, id);
  return {
    code: 'alwaysOnLoad',
    severity: 'info',
    deviceId: id,
    text: t(
      `${name} 登记为常开工艺负荷，非生产时段用电不计为浪费`,
      `${name} is declared an always-on process load: its off-shift use is not counted as waste`,
    ),
  };
}

function lossNote(ctx: DiagnosisContext, node: TreeNode): Note {
  const name = nameOf(ctx, node.id);
  const tr = ctx.registry.factory.transformers.filter((x) => x.meterDeviceId === node.id);
  const p0 = tr.reduce((a, x) => a + x.noLoadLossKw, 0);
  return {
    code: 'incomerOwnLoad',
    severity: 'info',
    deviceId: node.id,
    text: t(
      `${name} 自身负荷（总表 − 分表合计）为变压器/线路损耗与未计量负荷${p0 ? `（登记变压器空载损耗 ${round(p0)} kW）` : ''}，不按待机浪费评判；未计量比例见计量平衡`,
      `${name}: its own load (meter − Σ sub-meters) is transformer/line losses plus unmetered loads${p0 ? ` (registered transformer no-load loss ${round(p0)} kW)` : ''}, not judged as standby waste; see the metering balance for the unmetered share`,
    ),
  };
}
