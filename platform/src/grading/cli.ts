import { parseArgs } from 'node:util';
import { localMidnight } from '@xiang/protocol';
import { applyFileAnswers, assessmentFromFile, parseAnswersYaml } from './answers-file.js';
import type { Lang } from './common.js';
import { maturityFramework } from './frameworks/index.js';
import { type GradeRun, gradeFactory } from './grade.js';
import type { IndicatorInputs } from './indicators/types.js';
import type { GradingReport } from './report/schema.js';

/**
 * `xiang grade --factory F --framework cmmm-2020 --answers answers.yaml [--lang en] --out report.html
 *  [--json report.json] [--from YYYY-MM-DD --to YYYY-MM-DD]`
 *
 * Two steps so the entry point stays free of I/O: parseGradeArgs() tells the caller what to load (factory,
 * period, answers file); gradeFromLoaded() takes the loaded registry snapshot, indicator inputs (store
 * queries, OEE) and the answers text, and returns the HTML/JSON to write.
 */
export type GradeArgs = {
  factory: string;
  framework: string;
  answersPath: string;
  lang: Lang;
  outPath: string;
  jsonPath?: string;
  from?: string;
  to?: string;
};

export const GRADE_USAGE =
  'usage: xiang grade --factory F --framework cmmm-2020|sme-digital-2024 --answers answers.yaml [--lang zh|en] --out report.html [--json report.json] [--from YYYY-MM-DD --to YYYY-MM-DD]';

export function parseGradeArgs(argv: string[]): GradeArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      factory: { type: 'string' },
      framework: { type: 'string' },
      answers: { type: 'string' },
      lang: { type: 'string', default: 'zh' },
      out: { type: 'string' },
      json: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const missing = (['factory', 'framework', 'answers', 'out'] as const).filter((k) => !values[k]);
  if (missing.length > 0) throw new Error(`missing --${missing.join(', --')}\n${GRADE_USAGE}`);
  if (values.lang !== 'zh' && values.lang !== 'en')
    throw new Error(`--lang must be zh or en, got "${values.lang}"`);
  for (const k of ['from', 'to'] as const)
    if (values[k] && !/^\d{4}-\d{2}-\d{2}$/.test(values[k] as string))
      throw new Error(`--${k} expects YYYY-MM-DD`);
  maturityFramework(values.framework as string); // unknown framework → clear error now, before loading data
  return {
    factory: values.factory as string,
    framework: values.framework as string,
    answersPath: values.answers as string,
    lang: values.lang,
    outPath: values.out as string,
    ...(values.json ? { jsonPath: values.json } : {}),
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
  };
}

/** The data window: --from/--to (local dates, `to` inclusive), else the answers file's period, else the last 30 days. */
export function gradePeriod(
  args: Pick<GradeArgs, 'from' | 'to'>,
  answersYaml: string,
  nowMs: number,
  utcOffsetMinutes = 480,
) {
  const f = parseAnswersYaml(answersYaml);
  const from = args.from ?? f.period?.from;
  const to = args.to ?? f.period?.to;
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`) - utcOffsetMinutes * 60_000;
  if (from && to) return { fromMs: day(from), toMs: day(to) + 86_400_000 };
  const end = localMidnight({ utcOffsetMinutes }, nowMs);
  return { fromMs: end - 30 * 86_400_000, toMs: end };
}

export function gradeFromLoaded(
  args: GradeArgs,
  loaded: {
    answersYaml: string;
    indicatorInputs: IndicatorInputs;
    nowMs: number;
    assessmentId?: string;
    frameworkData?: unknown;
    tierRules?: unknown;
    progress?: GradingReport['progress'];
  },
): { run: GradeRun; html: string; json: string; outPath: string; jsonPath?: string; messages: string[] } {
  const file = parseAnswersYaml(loaded.answersYaml);
  if (file.framework !== args.framework)
    throw new Error(`answers file is for framework "${file.framework}", not --framework ${args.framework}`);
  if (file.factory !== args.factory)
    throw new Error(`answers file is for factory "${file.factory}", not --factory ${args.factory}`);
  const snapshot = loaded.indicatorInputs.snapshot;
  if (snapshot.factory.id !== args.factory)
    throw new Error(`loaded registry is factory "${snapshot.factory.id}", not ${args.factory}`);
  const framework = maturityFramework(args.framework, loaded.frameworkData);
  const base = assessmentFromFile(file, {
    id: loaded.assessmentId ?? `${args.factory}-${args.framework}-${loaded.nowMs}`,
    frameworkVersion: framework.version,
    defaultIndustry: snapshot.factory.industry,
    nowMs: loaded.nowMs,
    period: { fromMs: loaded.indicatorInputs.fromMs, toMs: loaded.indicatorInputs.toMs },
  });
  const run = gradeFactory({
    indicatorInputs: loaded.indicatorInputs,
    assessment: base,
    autofill: file.autofill,
    applyAnswers: (a) => applyFileAnswers(a, file, loaded.nowMs),
    nowMs: loaded.nowMs,
    lang: args.lang,
    ...(loaded.frameworkData !== undefined ? { frameworkData: loaded.frameworkData } : {}),
    ...(loaded.tierRules !== undefined ? { tierRules: loaded.tierRules } : {}),
    ...(loaded.progress ? { progress: loaded.progress } : {}),
  });
  const problems = run.framework.check(run.assessment);
  if (
    problems.some((p) => p.startsWith('answers.') || p.startsWith('tailoring') || p.startsWith('weightSet'))
  )
    throw new Error(`answers file: ${problems.join('; ')}`);
  const fromTelemetry = run.assessment.answers.filter((a) => a.source === 'telemetry').length;
  const messages = [
    `${run.framework.id} ${run.framework.version}: level ${run.result.level ?? '—'}, score ${Math.round(run.result.totalScore * 1000) / 1000}`,
    `${fromTelemetry} item(s) from telemetry, ${run.assessment.answers.length - fromTelemetry} from the assessor, ${run.result.gaps.length} gap(s)`,
    ...run.conflicts.map((c) => `check ${c}: the telemetry suggestion differs from the assessor's answer`),
    ...problems.filter((p) => !p.startsWith('answers.')),
  ];
  return {
    run,
    html: run.html,
    json: `${JSON.stringify(run.report, null, 2)}\n`,
    outPath: args.outPath,
    ...(args.jsonPath ? { jsonPath: args.jsonPath } : {}),
    messages,
  };
}
