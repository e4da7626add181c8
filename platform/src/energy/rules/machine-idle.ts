import { type CalendarSegment, equipmentClassInfo, MachineryItemState } from '@xiang/protocol';
import type { DiagnosisContext, MachineInfo } from '../context.js';
import { type Finding, severityFrom, t } from '../finding.js';
import { KIND } from '../slots.js';
import type { StateChanges } from '../types.js';
import { plannedStopsOf } from './machine-idle-stops.js';
import { fig, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 3 — machines idling through breaks and after shift end: MachineryItemState NotExecuting (powered,
 * not working) during planned stops, while power stays above standby. Idle time is exact (state changes
 * intersected with the calendar's stop segments). Energy: from the machine's own meter (mean power above
 * standby in those quarter-hours), else from its registered idle and standby power; without either the
 * finding gives the time only and says the energy could not be priced.
 */
export const machineIdle: Rule = {
  id: 'machineIdle',
  category: 'energyManagement',
  title: t('设备在休息和下班后空转', 'Machines idling through breaks and after shifts'),
  basis: [
    'OPC 40001-1 MachineryItemState (NotExecuting = ready, not producing) against the shift calendar',
    'GB/T 2589-2020 综合能耗计算通则 (tce)',
  ],
  run(ctx) {
    if (!ctx.grid.hasCalendar) return { findings: [], skipped: t('未配置班次日历', 'no shift calendar') };
    // Compressors (and other utilities) run unloaded by design of their sequence: the compressed-air rule's.
    const withStates = ctx.machines.filter(
      (m) => m.occ && equipmentClassInfo(m.equipmentClass ?? undefined)?.group !== 'utility',
    );
    if (!withStates.length) return { findings: [], skipped: t('无设备状态数据', 'no machine state data') };
    const states = new Map(ctx.input.machines.map((m) => [m.deviceId, m.states]));
    const findings: Finding[] = [];
    const plannedStops = plannedStopsOf(ctx);
    for (const m of withStates) {
      const f = diagnoseMachine(ctx, m, states.get(m.deviceId)!, plannedStops(m));
      if (f) findings.push(f);
    }
    return { findings };
  },
};

/** Hours NotExecuting inside break and off-shift segments (two-pointer sweep, linear). */
export function idleHoursInStops(
  st: StateChanges,
  segments: CalendarSegment[],
  fromMs: number,
  toMs: number,
): { breakH: number; offShiftH: number; stopH: number } {
  let breakMs = 0;
  let offMs = 0;
  let stopMs = 0;
  const stops = segments.filter((s) => s.kind !== 'production');
  for (const s of stops) stopMs += s.endMs - s.startMs;
  const count = Math.min(st.tMs.length, st.state.length);
  let j = 0;
  for (let k = 0; k < count; k++) {
    if (st.state[k] !== MachineryItemState.NotExecuting) continue;
    const a = Math.max(st.tMs[k]!, fromMs);
    const b = Math.min(k + 1 < count ? st.tMs[k + 1]! : toMs, toMs);
    if (b <= a) continue;
    while (j < stops.length && stops[j]!.endMs <= a) j++;
    for (let q = j; q < stops.length && stops[q]!.startMs < b; q++) {
      const ov = Math.min(b, stops[q]!.endMs) - Math.max(a, stops[q]!.startMs);
      if (ov <= 0) continue;
      if (stops[q]!.kind === 'break') breakMs += ov;
      else offMs += ov;
    }
  }
  return { breakH: breakMs / 3.6e6, offShiftH: offMs / 3.6e6, stopH: stopMs / 3.6e6 };
}

function diagnoseMachine(
  ctx: DiagnosisContext,
  m: MachineInfo,
  st: StateChanges,
  stops: CalendarSegment[],
): Finding | null {
  const s = ctx.settings.idle;
  const { grid } = ctx;
  const { fromMs, toMs } = ctx.input.period;
  const hours = idleHoursInStops(st, stops, fromMs, toMs);
  const idleH = hours.breakH + hours.offShiftH;
  if (idleH < s.minIdleHours) return null;
  const occ = m.occ!;
  const dev = ctx.devices.get(m.deviceId);
  // A meter shared with other machines says nothing about this machine's own idle power.
  const meter = m.meterId && !m.meterShared ? ctx.meterById.get(m.meterId) : undefined;
  let excessKw: number | null = null;
  let method: 'meter' | 'registry' | null = null;
  let machineKwh: number | null = null;
  let priceWeighted = 0;
  let priceWeight = 0;
  for (let i = 0; i < grid.n; i++) {
    if (grid.kind[i] === KIND.production) continue;
    const w = occ.idle[i]!;
    const p = ctx.priceCnyPerKwh[i]!;
    priceWeighted += w * p;
    priceWeight += w;
  }
  const meanPrice = priceWeight > 0 ? priceWeighted / priceWeight : Number.NaN;
  if (meter && m.standbyPowerKw !== null) {
    const v = meter.consumption.values;
    let sum = 0;
    let n = 0;
    machineKwh = 0;
    for (let i = 0; i < grid.n; i++) {
      const x = v[i]!;
      if (Number.isNaN(x)) continue;
      machineKwh += x;
      if (grid.kind[i] === KIND.production || occ.idle[i]! < s.minIdleFraction) continue;
      sum += x / 0.25 - m.standbyPowerKw;
      n++;
    }
    if (n) {
      excessKw = Math.max(0, sum / n);
      method = 'meter';
    }
  }
  if (excessKw === null && dev?.idlePowerKw !== undefined && m.standbyPowerKw !== null) {
    excessKw = Math.max(0, dev.idlePowerKw - m.standbyPowerKw);
    method = 'registry';
  }
  const wasteKwh = excessKw === null ? null : excessKw * idleH;
  const severity =
    wasteKwh !== null && machineKwh
      ? severityFrom(wasteKwh / machineKwh, s.severityShareOfMachineEnergy)
      : severityFrom(hours.stopH > 0 ? idleH / hours.stopH : 0, s.severityShareOfStopTime);
  const standbyText =
    m.standbyPowerKw === null
      ? t('待机功率未知', 'standby power unknown')
      : t(
          `待机功率 ${round(m.standbyPowerKw)} kW（${m.standbySource === 'learned' ? '由停机时段实测学习' : '登记值'}）`,
          `standby power ${round(m.standbyPowerKw)} kW (${m.standbySource === 'learned' ? 'learned from switched-off periods' : 'registered'})`,
        );
  const energyText =
    wasteKwh === null
      ? t(
          '该设备无独立电表且未登记空转/待机功率，电量未能量化。',
          'The machine has no own meter and no registered idle/standby power: the energy is not quantified.',
        )
      : t(
          `空转功率高出待机 ${round(excessKw!)} kW，观测期多耗电 ${round(wasteKwh, 1)} kWh。`,
          `Idle power is ${round(excessKw!)} kW above standby: ${round(wasteKwh, 1)} kWh extra in the period.`,
        );
  return {
    id: `machineIdle:${m.deviceId}`,
    rule: 'machineIdle',
    category: 'energyManagement',
    severity,
    title: t(`${m.name}在休息/下班后空转`, `${m.name} idles through breaks and after shifts`),
    what: t(
      `计划停机时段内处于空转（NotExecuting）${round(idleH, 2)} h（休息 ${round(hours.breakH, 2)} h，下班后 ${round(hours.offShiftH, 2)} h）。${energyText.zh}`,
      `NotExecuting (idle) for ${round(idleH, 2)} h during planned stops (${round(hours.breakH, 2)} h in breaks, ${round(hours.offShiftH, 2)} h after shifts). ${energyText.en}`,
    ),
    where: whereOf(ctx, m.deviceId),
    when: { ...wholePeriod(ctx), label: 'stops' },
    evidence: {
      series: [
        seriesRef(ctx, m.deviceId, 'machineState'),
        ...(m.meterId ? [seriesRef(ctx, m.meterId, 'activeEnergyImport')] : []),
      ],
      figures: [
        fig('idleHours', '计划停机内空转时长', 'Idle hours in planned stops', idleH, 'h'),
        fig('idleBreakHours', '休息时段空转', 'Idle in breaks', hours.breakH, 'h'),
        fig('idleOffShiftHours', '下班后空转', 'Idle after shifts', hours.offShiftH, 'h'),
        fig('stopHours', '计划停机总时长', 'Planned stop hours', hours.stopH, 'h'),
        fig('excessKw', '空转高出待机的功率', 'Idle power above standby', excessKw, 'kW'),
        fig('standbyKw', '待机功率', 'Standby power', m.standbyPowerKw, 'kW'),
        fig('wasteKwh', '观测期空转多耗电量', 'Idle energy in the period', wasteKwh, 'kWh'),
      ],
    },
    ...(wasteKwh !== null
      ? {
          saving: ctx.saving({
            rule: 'machineIdle',
            deviceId: m.deviceId,
            observedKwh: wasteKwh,
            observedCostCny: Number.isNaN(meanPrice) ? null : wasteKwh * meanPrice,
            assumptions: [
              standbyText,
              method === 'meter'
                ? t(
                    '空转功率取设备电表在空转刻钟的实测均值',
                    'idle power measured on the machine meter in idle quarter-hours',
                  )
                : t('空转功率取登记值', 'idle power as registered'),
            ],
          }),
        }
      : {}),
    recommendation: t(
      '休息和下班前将设备切换到待机/关机（设备联网后可自动下发节能待机），在交接班制度中加入关机检查。',
      'Put machines into standby or off before breaks and at shift end (networked machines can be sent to energy-saving standby automatically); add a switch-off check to the shift handover.',
    ),
    basis: machineIdle.basis,
    reliesOn: [
      {
        deviceId: m.deviceId,
        fact: 'meter',
        value: m.meterId,
        source: m.meterSource === 'inferred' ? 'inferred' : m.meterId ? 'declared' : 'missing',
      },
      {
        deviceId: m.deviceId,
        fact: 'standbyPowerKw',
        value: m.standbyPowerKw,
        source:
          m.standbySource === 'registry'
            ? 'declared'
            : m.standbySource === 'learned'
              ? 'inferred'
              : 'missing',
      },
      {
        deviceId: m.deviceId,
        fact: 'idlePowerKw',
        value: dev?.idlePowerKw ?? null,
        source: dev?.idlePowerKw !== undefined ? 'declared' : 'missing',
      },
    ],
  };
}
