import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from '../config/load.js';
import { renderReport } from '../energy/report/html.js';
import type { DiagnosisOptionsInput } from '../energy/types.js';
import { DiagnosisRepository } from '../services/diagnoses/repository.js';
import { summarize } from '../services/diagnoses/run.js';
import { DiagnosisError, type DiagnosisRequest, runDiagnosis } from '../services/diagnoses/service.js';
import { withFactoryData } from './factory-data.js';
import { type CliCommand, type CliIo, EXIT } from './types.js';

/**
 * `xiang diagnose --factory F --from D --to D [--lang en] --out report.html [--json out.json]
 *   [--options options.yaml] [--basis equivalent|equal] [--grid-year N] [--flat-price ¥/kWh]
 *   [--config platform.yaml] [--no-save]`
 *
 * Opens the platform's data directory like `xiang serve` (config file, XIANG_* env, defaults): registry and
 * time-series store, read-only in effect, so it runs beside a serving platform (SQLite WAL). Reads the period
 * through the energy adapter with progress on stderr, diagnoses, writes the printable report (zh-CN unless
 * --lang en) and optionally the JSON result, and records the run in the platform's history (the console lists
 * it) unless --no-save. Dates are local days in the factory's time zone (`--to` inclusive) or ISO date-times.
 */
const USAGE =
  'xiang diagnose --factory F --from YYYY-MM-DD --to YYYY-MM-DD [--lang zh|en] --out report.html [--json result.json] ' +
  '[--options options.yaml] [--basis equivalent|equal] [--grid-year N] [--flat-price CNY_PER_KWH] [--config platform.yaml] [--no-save]';

type Args = {
  factory: string;
  from: string;
  to: string;
  lang: 'zh-CN' | 'en';
  out: string;
  json?: string;
  optionsFile?: string;
  basis?: 'equivalent' | 'equal';
  gridYear?: number;
  flatPrice?: number;
  config?: string;
  save: boolean;
};

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      factory: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      lang: { type: 'string', default: 'zh' },
      out: { type: 'string' },
      json: { type: 'string' },
      options: { type: 'string' },
      basis: { type: 'string' },
      'grid-year': { type: 'string' },
      'flat-price': { type: 'string' },
      config: { type: 'string', short: 'c' },
      'no-save': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const missing = (['factory', 'from', 'to', 'out'] as const).filter((k) => !values[k]);
  if (missing.length > 0) throw new Error(`missing --${missing.join(', --')}`);
  if (!['zh', 'zh-CN', 'en'].includes(values.lang))
    throw new Error(`--lang must be zh or en, got "${values.lang}"`);
  if (values.basis !== undefined && values.basis !== 'equivalent' && values.basis !== 'equal')
    throw new Error(`--basis must be equivalent (当量值) or equal (等价值), got "${values.basis}"`);
  const num = (k: 'grid-year' | 'flat-price') => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${k} expects a positive number, got "${v}"`);
    return n;
  };
  const gridYear = num('grid-year');
  if (gridYear !== undefined && !Number.isInteger(gridYear))
    throw new Error('--grid-year expects a year such as 2022');
  const flatPrice = num('flat-price');
  return {
    factory: values.factory as string,
    from: values.from as string,
    to: values.to as string,
    lang: values.lang === 'en' ? 'en' : 'zh-CN',
    out: values.out as string,
    ...(values.json ? { json: values.json } : {}),
    ...(values.options ? { optionsFile: values.options } : {}),
    ...(values.basis ? { basis: values.basis as 'equivalent' | 'equal' } : {}),
    ...(gridYear !== undefined ? { gridYear } : {}),
    ...(flatPrice !== undefined ? { flatPrice } : {}),
    ...(values.config ? { config: values.config } : {}),
    save: !values['no-save'],
  };
}

/** `YYYY-MM-DD` = local midnight at the factory's offset (`end` adds a day: --to is inclusive); else ISO/epoch ms. */
export function instantOf(s: string, utcOffsetMinutes: number, end: boolean, flag: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const ms = Date.parse(`${s}T00:00:00Z`) - utcOffsetMinutes * 60_000 + (end ? 86_400_000 : 0);
    if (Number.isFinite(ms)) return ms;
  }
  // Only ISO 8601 (Date.parse alone would also take "03/03/2025" in the machine's local zone).
  const ms = /^-?\d+$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new Error(`${flag} expects YYYY-MM-DD or an ISO 8601 date-time, got "${s}"`);
  return ms;
}

function readOptions(file: string): DiagnosisOptionsInput {
  const text = readFileSync(file, 'utf8');
  const doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc)))
    throw new Error(`${file}: expected a mapping of diagnosis options`);
  return (doc ?? {}) as DiagnosisOptionsInput;
}

/** Progress lines on stderr: every stage change and at most one line a second within a stage. */
function progressPrinter(io: CliIo, t0: number) {
  let stage = '';
  let last = 0;
  return (p: { stage: string; done: number; total: number; pct: number }) => {
    const now = Date.now();
    if (p.stage === stage && now - last < 1000 && p.pct < 100) return;
    stage = p.stage;
    last = now;
    io.err(`[${((now - t0) / 1000).toFixed(1)} s] ${p.stage} ${p.done}/${p.total}  ${Math.round(p.pct)} %`);
  };
}

export const diagnoseCommand: CliCommand = {
  name: 'diagnose',
  summary: '节能诊断报告 · Energy-saving diagnosis report for a factory and period',
  usage: USAGE,
  async run(argv, io) {
    let args: Args;
    let config: ReturnType<typeof loadConfig>;
    let options: DiagnosisOptionsInput = {};
    try {
      args = parse(argv);
      config = loadConfig({ file: args.config });
      if (args.optionsFile) options = readOptions(args.optionsFile);
    } catch (e) {
      const usage = e instanceof ConfigError ? '' : `\nusage: ${USAGE}`;
      io.err(`xiang diagnose: ${(e as Error).message}${usage}`);
      return EXIT.usage;
    }
    if (args.basis) options = { ...options, electricityBasis: args.basis };
    if (args.gridYear)
      options = { ...options, gridFactor: { ...options.gridFactor, dataYear: args.gridYear } };
    if (args.flatPrice) options = { ...options, flatPriceCnyPerKwh: args.flatPrice };

    return withFactoryData(
      'diagnose',
      config,
      args.factory,
      io,
      async ({ db, store, registry, profile, step, startedAtMs: t0 }) => {
        try {
          let req: DiagnosisRequest;
          try {
            const offset = profile.calendar?.utcOffsetMinutes ?? 480;
            req = {
              fromMs: instantOf(args.from, offset, false, '--from'),
              toMs: instantOf(args.to, offset, true, '--to'),
              options,
            };
          } catch (e) {
            io.err(`xiang diagnose: ${(e as Error).message}\nusage: ${USAGE}`);
            return EXIT.usage;
          }
          step(`period ${new Date(req.fromMs).toISOString()} – ${new Date(req.toMs).toISOString()}`);
          const startedAtMs = Date.now();
          const result = await runDiagnosis({ registry, store }, args.factory, req, {
            nowMs: startedAtMs,
            onProgress: progressPrinter(io, t0),
          });
          const summary = summarize(result);
          mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
          writeFileSync(args.out, renderReport(result, { lang: args.lang }));
          step(`wrote ${args.out}`);
          if (args.json) {
            mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
            writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
            step(`wrote ${args.json}`);
          }
          if (args.save) {
            const repo = new DiagnosisRepository(db);
            const id = randomUUID();
            repo.insert({
              id,
              factoryId: args.factory,
              status: 'running',
              fromMs: result.period.fromMs,
              toMs: result.period.toMs,
              options: options as Record<string, unknown>,
              requestedBy: `cli:${os.userInfo().username}`,
              source: 'cli',
              createdAtMs: startedAtMs,
              startedAtMs,
              finishedAtMs: null,
              progress: null,
              error: null,
              summary: null,
            });
            repo.complete(id, result, summary, Date.now());
            step(`saved run ${id} to the platform's history`);
          }
          const by = summary.findingsBySeverity;
          io.err(
            `${summary.findings} finding(s): ${by.high} high, ${by.medium} medium, ${by.low} low, ${by.info} info; ` +
              `${Math.round(summary.comprehensiveTce * 100) / 100} tce; saving ${Math.round(summary.saving.energyKwh)} kWh/a`,
          );
          for (const f of result.findings.filter((x) => x.severity !== 'info'))
            io.err(`  ${f.severity.padEnd(6)} ${f.id}  ${args.lang === 'en' ? f.title.en : f.title.zh}`);
          io.out(args.out);
          return EXIT.ok;
        } catch (e) {
          if (e instanceof DiagnosisError) {
            io.err(`xiang diagnose: ${e.message}`);
            return e.status === 400 ? EXIT.usage : EXIT.failed;
          }
          io.err(`xiang diagnose: ${(e as Error).message}`);
          return EXIT.failed;
        }
      },
    );
  },
};
