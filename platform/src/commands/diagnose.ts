import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from '../config/load.js';
import { type ReportAdmin, reportAdminSchema } from '../energy/report/admin.js';
import { renderReport } from '../energy/report/html.js';
import type { DiagnosisOptionsInput } from '../energy/types.js';
import { DiagnosisRepository } from '../services/diagnoses/repository.js';
import { summarize } from '../services/diagnoses/run.js';
import { DiagnosisError, type DiagnosisRequest, runDiagnosis } from '../services/diagnoses/service.js';
import { type DataCommand, type OutputFile, runDataCommand } from './data-command.js';
import { readCaFile } from './remote.js';
import { printPdf, reportAdminFrom, tempHtmlPath, wantsPdf } from './report-output.js';
import { type CliCommand, type CliIo, EXIT, oneLine } from './types.js';

/**
 * `xiang diagnose --factory F --from D --to D [--lang en] --out report.html [--json out.json]
 *   [--options options.yaml] [--basis equivalent|equal] [--grid-year N] [--flat-price ¥/kWh]
 *   [--config platform.yaml] [--ca ca.crt] [--no-save]`
 *
 * Opens the platform's data directory like `xiang serve` (config file, XIANG_* env, defaults): registry and
 * time-series store, read-only in effect, so it runs beside a serving platform (SQLite WAL). Reads the period
 * through the energy adapter with progress on stderr, diagnoses, writes the printable report (zh-CN unless
 * --lang en) and optionally the JSON result, and records the run in the platform's history (the console lists
 * it) unless --no-save. Dates are local days in the factory's time zone (`--to` inclusive) or ISO date-times.
 */
const USAGE =
  'xiang diagnose --factory F --from YYYY-MM-DD --to YYYY-MM-DD [--lang zh|en] --out report.html|report.pdf [--json result.json] ' +
  '[--report-info report.yaml] [--org NAME] [--team "NAME:ROLE,…"] [--options options.yaml] [--basis equivalent|equal] [--grid-year N] [--flat-price CNY_PER_KWH] [--config platform.yaml] [--ca ca.crt] [--no-save]';

const DIAGNOSE_HELP = `${USAGE}

节能诊断：读取工厂在一个时段内的计量数据，写出可打印的诊断报告（默认中文）。
Reads a factory's metered data over a period (local days in the factory's time zone, --to inclusive, or ISO
date-times), runs the energy-saving diagnosis and writes the printable report (zh-CN unless --lang en).
The run is recorded in the platform's history (the console lists it) unless --no-save. When a platform
serves the data directory, the diagnosis runs inside it (one writer); otherwise this command locks the
directory while it runs.

Options:
  --factory F            factory id (\`npm start\`: hn-gearbox)
  --from D --to D        period: YYYY-MM-DD, today, yesterday or today-N (local days; --to inclusive)
                         or ISO 8601 date-times
  --out FILE             the report: FILE.html printable HTML, FILE.pdf a PDF (headless Chromium, needs a
                         CJK font: apt-get install chromium fonts-noto-cjk);  --json FILE  also the JSON result
  --report-info FILE     the report's administrative fields (YAML/JSON): organisation {name, qualification,
                         contact}, team [{name, role, title}], onSite {from, to}, reportDate, enterprise
                         {contact, representative, opinion}, rectification [{measure, responsible, deadline,
                         status}], followUp {date, by, method, notes}; what is missing prints as blank lines
  --org NAME             diagnosing organisation (诊断机构);  --team "张三:组长,李四"  team members (诊断人员)
  --lang zh|en           report language (default zh)
  --options FILE         diagnosis options (YAML/JSON): tariff, coefficient overrides, compressors, …
  --basis equivalent|equal   electricity to tce: 当量值 (default) or 等价值
  --grid-year N          grid CO₂ factor of that data year
  --flat-price P         flat electricity price, CNY/kWh (money columns in the report)
  --config FILE          platform config (else XIANG_* env; data directory XIANG_DATA_DIR, default ./data)
  --ca FILE              CA certificate trusted for a platform serving HTTPS (else system CAs + NODE_EXTRA_CA_CERTS)
  --no-save              do not record the run in the platform's history

Examples:
  XIANG_DATA_DIR=.data/start/platform npx xiang diagnose --factory hn-gearbox --from today-3 --to yesterday --out report.html
  npx xiang diagnose --config platform.yaml --factory F1 --from 2025-03-01 --to 2025-03-31 --lang en --flat-price 0.62 --out march.html --json march.json`;

type Args = {
  factory: string;
  from: string;
  to: string;
  lang: 'zh-CN' | 'en';
  out: string;
  /** Where the HTML goes when `out` is a PDF (printed afterwards, in the CLI's process). */
  htmlOut?: string;
  admin?: ReportAdmin;
  reportInfo?: string;
  org?: string;
  team?: string;
  json?: string;
  optionsFile?: string;
  basis?: 'equivalent' | 'equal';
  gridYear?: number;
  flatPrice?: number;
  config?: string;
  ca?: string;
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
      'report-info': { type: 'string' },
      org: { type: 'string' },
      team: { type: 'string' },
      options: { type: 'string' },
      basis: { type: 'string' },
      'grid-year': { type: 'string' },
      'flat-price': { type: 'string' },
      config: { type: 'string', short: 'c' },
      ca: { type: 'string' },
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
    ...(values['report-info'] ? { reportInfo: values['report-info'] } : {}),
    ...(values.org ? { org: values.org } : {}),
    ...(values.team ? { team: values.team } : {}),
    ...(values.options ? { optionsFile: values.options } : {}),
    ...(values.basis ? { basis: values.basis as 'equivalent' | 'equal' } : {}),
    ...(gridYear !== undefined ? { gridYear } : {}),
    ...(flatPrice !== undefined ? { flatPrice } : {}),
    ...(values.config ? { config: values.config } : {}),
    ...(values.ca ? { ca: values.ca } : {}),
    save: !values['no-save'],
  };
}

/** `YYYY-MM-DD` = local midnight at the factory's offset (`end` adds a day: --to is inclusive); else ISO/epoch ms. */
export function instantOf(
  s: string,
  utcOffsetMinutes: number,
  end: boolean,
  flag: string,
  nowMs = Date.now(),
): number {
  // today, yesterday, today-N: local days relative to now (README examples that fit whatever data is there)
  const rel = /^(today|yesterday)(?:-(\d{1,4}))?$/.exec(s);
  if (rel) {
    const offsetMs = utcOffsetMinutes * 60_000;
    const today = Math.floor((nowMs + offsetMs) / 86_400_000) * 86_400_000 - offsetMs;
    const back = (rel[1] === 'yesterday' ? 1 : 0) + Number(rel[2] ?? 0);
    return today - back * 86_400_000 + (end ? 86_400_000 : 0);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const ms = Date.parse(`${s}T00:00:00Z`) - utcOffsetMinutes * 60_000 + (end ? 86_400_000 : 0);
    if (Number.isFinite(ms)) return ms;
  }
  // Only ISO 8601 (Date.parse alone would also take "03/03/2025" in the machine's local zone).
  const ms = /^-?\d+$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new Error(`${flag} expects YYYY-MM-DD, today[-N], yesterday or an ISO 8601 date-time, got "${s}"`);
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

/** What travels to the process that runs the diagnosis (JSON): the parsed flags and the options file's content. */
type DiagnoseExec = Omit<Args, 'optionsFile' | 'config' | 'reportInfo' | 'org' | 'team'> & {
  options: DiagnosisOptionsInput;
};

export const diagnoseData: DataCommand<DiagnoseExec> = {
  name: 'diagnose',
  async execute(args, { db, store, registry, profile, step, startedAtMs: t0 }, io) {
    const files: OutputFile[] = [];
    const done = (code: number) => ({ code, files });
    const options = args.options;
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
        return done(EXIT.usage);
      }
      step(`period ${new Date(req.fromMs).toISOString()} – ${new Date(req.toMs).toISOString()}`);
      const startedAtMs = Date.now();
      const result = await runDiagnosis({ registry, store }, args.factory, req, {
        nowMs: startedAtMs,
        onProgress: progressPrinter(io, t0),
      });
      const cov = result.period.coverage;
      if (cov?.clipped)
        step(
          `evaluated ${new Date(result.period.fromMs).toISOString()} – ${new Date(result.period.toMs).toISOString()}: ` +
            `${Math.round(cov.evaluatedShare * 1000) / 10} % of the period asked for; the time without stored data is not judged`,
        );
      const summary = summarize(result);
      const admin = reportAdminSchema.parse(args.admin ?? {});
      files.push({
        path: args.htmlOut ?? args.out,
        content: renderReport(result, { lang: args.lang, admin }),
      });
      if (args.json) files.push({ path: args.json, content: `${JSON.stringify(result, null, 2)}\n` });
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
      for (const f of files) step(`writing ${f.path}`);
      if (!args.htmlOut) io.out(args.out);
      return done(EXIT.ok);
    } catch (e) {
      io.err(`xiang diagnose: ${(e as Error).message}`);
      if (e instanceof DiagnosisError) return done(e.status === 400 ? EXIT.usage : EXIT.failed);
      return done(EXIT.failed);
    }
  },
};

export const diagnoseCommand: CliCommand = {
  name: 'diagnose',
  summary: '节能诊断报告 · Energy-saving diagnosis report for a factory and period',
  usage: USAGE,
  help: DIAGNOSE_HELP,
  async run(argv, io) {
    let args: Args;
    let config: ReturnType<typeof loadConfig>;
    let options: DiagnosisOptionsInput = {};
    try {
      args = parse(argv);
      config = loadConfig({ file: args.config });
      if (args.optionsFile) options = readOptions(args.optionsFile);
      if (args.ca) readCaFile(args.ca);
      const admin = reportAdminFrom({ file: args.reportInfo, org: args.org, team: args.team });
      args = { ...args, admin, ...(wantsPdf(args.out) ? { htmlOut: tempHtmlPath() } : {}) };
    } catch (e) {
      const usage = e instanceof ConfigError ? '' : `\nusage: ${USAGE}`;
      io.err(`xiang diagnose: ${oneLine(e)}${usage}`);
      return EXIT.usage;
    }
    if (args.basis) options = { ...options, electricityBasis: args.basis };
    if (args.gridYear)
      options = { ...options, gridFactor: { ...options.gridFactor, dataYear: args.gridYear } };
    if (args.flatPrice) options = { ...options, flatPriceCnyPerKwh: args.flatPrice };
    const { optionsFile: _f, config: _c, reportInfo: _i, org: _o, team: _t, ca, ...rest } = args;
    const code = await runDataCommand(diagnoseData, config, args.factory, { ...rest, options }, io, {
      caFile: ca,
    });
    if (code !== EXIT.ok || !args.htmlOut) return code;
    try {
      await printPdf(args.htmlOut, args.out, {
        lang: args.lang,
        footerText: `${args.factory} · xiang diagnose`,
      });
    } catch (e) {
      io.err(`xiang diagnose: ${oneLine(e)}`);
      return EXIT.failed;
    }
    io.err(`writing ${args.out}`);
    io.out(args.out);
    return code;
  },
};
