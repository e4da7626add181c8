import type { DiagnosisResult } from '../result.js';
import type { Lang } from '../types.js';
import { localTime, num } from './i18n.js';
import { esc } from './svg.js';

const DAY_MS = 86_400_000;

/**
 * The diagnosis period stated as the console and `xiang diagnose --to` state it: local days with the last day
 * inclusive ("2026-03-02 至 2026-03-08（含）"), times only when an end is not at local midnight — and the days
 * that are not whole: a first or last day cut by the period, or a last day the data had not reached yet when
 * the report was made (a run up to "today" covers today only until the run).
 */
export type PeriodFacts = {
  fromDate: string;
  toDate: string;
  fromTime: string | null;
  toTime: string | null;
  partial: { date: string; kind: 'start' | 'end' | 'future'; untilTime?: string }[];
};

export function periodFacts(r: DiagnosisResult): PeriodFacts {
  const off = r.period.utcOffsetMinutes;
  const { fromMs, toMs } = r.period;
  const local = (ms: number) => ms + off * 60_000;
  const fromMidnight = local(fromMs) % DAY_MS === 0;
  const toMidnight = local(toMs) % DAY_MS === 0;
  // The last day is the one holding toMs − 1 ms: an end at midnight closes the day before.
  const lastDayMs = toMs - 1;
  const partial: PeriodFacts['partial'] = [];
  if (!fromMidnight) partial.push({ date: localTime(fromMs, off, false), kind: 'start' });
  if (r.generatedAtMs < toMs && r.generatedAtMs > fromMs)
    partial.push({
      date: localTime(r.generatedAtMs, off, false),
      kind: 'future',
      untilTime: localTime(r.generatedAtMs, off).slice(11),
    });
  else if (!toMidnight) partial.push({ date: localTime(lastDayMs, off, false), kind: 'end' });
  return {
    fromDate: localTime(fromMs, off, false),
    toDate: localTime(lastDayMs, off, false),
    fromTime: fromMidnight ? null : localTime(fromMs, off).slice(11),
    toTime: toMidnight ? null : localTime(toMs, off).slice(11),
    partial,
  };
}

/** One line: "2026-03-02 至 2026-03-08（含），7 天，UTC+8" plus the partial days, escaped HTML. */
export function periodText(r: DiagnosisResult, lang: Lang): string {
  const p = periodFacts(r);
  const off = r.period.utcOffsetMinutes;
  const tz = `UTC${off >= 0 ? '+' : '−'}${Math.abs(off) / 60}`;
  const from = p.fromTime ? `${p.fromDate} ${p.fromTime}` : p.fromDate;
  const to = p.toTime ? `${p.toDate} ${p.toTime}` : p.toDate;
  const days = num(lang, r.period.days, 2);
  const main =
    lang === 'en'
      ? `${from} to ${to}${p.toTime ? '' : ' inclusive'}, ${days} days, ${tz}`
      : `${from} 至 ${to}${p.toTime ? '' : '（含）'}，共 ${days} 天，${tz}`;
  const notes = p.partial.map((x) => {
    if (lang === 'en')
      return x.kind === 'future'
        ? `${x.date} is a partial day: data only up to ${x.untilTime} (report time)`
        : `${x.date} is a partial day (the period ${x.kind === 'start' ? 'starts' : 'ends'} within it)`;
    return x.kind === 'future'
      ? `${x.date} 为不完整日：仅有截至 ${x.untilTime}（报告生成时）的数据`
      : `${x.date} 为不完整日（诊断期${x.kind === 'start' ? '始于' : '止于'}当日中途）`;
  });
  const clip = coverageNote(r, lang);
  if (clip) notes.push(clip);
  return `${esc(main)}${notes.map((n) => `<br><span class="partial">⚠ ${esc(n)}</span>`).join('')}`;
}

/**
 * The period asked for, when the diagnosis evaluated less of it: time without stored data (after the last
 * point, before the first, or still to come) is stated as coverage, not judged (services/diagnoses/period.ts).
 */
export function coverageNote(r: DiagnosisResult, lang: Lang): string | null {
  const c = r.period.coverage;
  if (!c?.clipped) return null;
  const off = r.period.utcOffsetMinutes;
  const at = (ms: number | null) => (ms === null ? '—' : localTime(ms, off).slice(0, 16));
  const share = num(lang, c.evaluatedShare * 100, 1);
  const asked = `${at(c.requested.fromMs)} – ${at(c.requested.toMs)}`;
  const data = `${at(c.dataExtent.firstMs)} – ${at(c.dataExtent.lastMs)}`;
  return lang === 'en'
    ? `requested period ${asked}; stored data ${data}: only the ${share} % of the requested period with data is evaluated, the rest is not judged`
    : `申请诊断期 ${asked}；已存数据 ${data}：仅评价有数据的 ${share}% 时段，其余时段不作判断`;
}
