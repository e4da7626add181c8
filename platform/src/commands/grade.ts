import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/load.js';
import { GRADE_USAGE, type GradeArgs, gradeFromLoaded, gradePeriod, parseGradeArgs } from '../grading/cli.js';
import { GradingRepository } from '../services/grading/repository.js';
import { loadIndicatorInputs } from '../services/grading/service.js';
import { type DataCommand, type OutputFile, runDataCommand } from './data-command.js';
import { readCaFile } from './remote.js';
import { type CliCommand, EXIT, oneLine } from './types.js';

/**
 * `xiang grade --factory F --framework cmmm-2020 --answers answers.yaml [--lang en] [--from D --to D]
 *  --out report.html [--json report.json] [--config platform.yaml] [--no-save]`
 *
 * Indicators over the period → telemetry suggestions → the answers file → level, scores, tiers, gaps →
 * the report (zh-CN unless --lang en). The assessment and its result are saved to the platform's history
 * (so the console lists it and the next report shows progress) unless --no-save. Progress goes to stderr.
 * The data part runs in one process per data directory (data-command.ts).
 */
const USAGE = `${GRADE_USAGE.replace('usage: ', '')} [--config platform.yaml] [--ca ca.crt] [--no-save]`;

const GRADE_HELP = `${USAGE}

数字化转型分级评估：用遥测指标和评估答卷给工厂定级，写出报告（默认中文）。
Grades a factory with a maturity framework: indicators measured from telemetry over the period (--from/--to,
else the answers file's period, else the last 30 days) suggest item scores, the answers file answers the rest,
and the report gives level, scores, tiers and the gap list. The assessment is saved to the platform's history
unless --no-save. When a platform serves the data directory, grading runs inside it (one writer).

Options:
  --factory F            factory id; must match the answers file's \`factory:\`
  --framework ID         cmmm-2020 (GB/T 39116/39117) or sme-digital-2024; must match the answers file
  --answers FILE         the assessor's answers (YAML; platform/src/grading/examples/ has one per framework)
  --out FILE             the HTML report;  --json FILE  also the JSON report
  --lang zh|en           report language (default zh)
  --from D --to D        telemetry period, YYYY-MM-DD local days (--to inclusive)
  --config FILE          platform config (else XIANG_* env; data directory XIANG_DATA_DIR, default ./data)
  --ca FILE              CA certificate trusted for a platform serving HTTPS (else system CAs + NODE_EXTRA_CA_CERTS)
  --no-save              do not record the assessment

Examples:
  XIANG_DATA_DIR=.data/start/platform npx xiang grade --factory hn-gearbox --framework cmmm-2020 --answers platform/src/grading/examples/answers.hn-gearbox.cmmm.yaml --out grade.html
  npx xiang grade --factory F1 --framework sme-digital-2024 --answers answers.sme.yaml --from 2025-03-01 --to 2025-03-31 --lang en --out sme.html --json sme.json`;

type GradeExec = GradeArgs & { answersYaml: string; save: boolean };

export const gradeData: DataCommand<GradeExec> = {
  name: 'grade',
  async execute(args, { db, store, registry, profile, step }, io) {
    const files: OutputFile[] = [];
    try {
      const nowMs = Date.now();
      const period = gradePeriod(args, args.answersYaml, nowMs, profile.calendar?.utcOffsetMinutes ?? 480);
      step(`period ${new Date(period.fromMs).toISOString()} – ${new Date(period.toMs).toISOString()}`);
      const { inputs, notes } = await loadIndicatorInputs(
        { registry, store },
        args.factory,
        period,
        nowMs,
        step,
      );
      for (const n of notes) step(n);
      const repo = new GradingRepository(db);
      step(`grading with ${args.framework}`);
      const out = gradeFromLoaded(args, {
        answersYaml: args.answersYaml,
        indicatorInputs: inputs,
        nowMs,
        progress: repo.progress(args.factory, args.framework),
      });
      files.push({ path: out.outPath, content: out.html });
      if (out.jsonPath) files.push({ path: out.jsonPath, content: out.json });
      if (args.save) {
        repo.saveAssessment(out.run.assessment);
        repo.recordResult(out.run.report);
        step(`saved assessment ${out.run.assessment.id} to the platform's history`);
      }
      for (const m of out.messages) io.err(m);
      for (const f of files) step(`writing ${f.path}`);
      io.out(out.outPath);
      return { code: EXIT.ok, files };
    } catch (e) {
      io.err(`xiang grade: ${(e as Error).message}`);
      return { code: EXIT.failed, files: [] };
    }
  },
};

export const gradeCommand: CliCommand = {
  name: 'grade',
  summary: '数字化转型分级评估报告 · Grade a factory (CMMM / SME) with telemetry evidence',
  usage: USAGE,
  help: GRADE_HELP,
  async run(argv, io) {
    const own = { config: undefined as string | undefined, ca: undefined as string | undefined, save: true };
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '--no-save') own.save = false;
      else if (a === '--config' || a === '-c') own.config = argv[++i];
      else if (a.startsWith('--config=')) own.config = a.slice('--config='.length);
      else if (a === '--ca') own.ca = argv[++i] ?? '';
      else if (a.startsWith('--ca=')) own.ca = a.slice('--ca='.length);
      else rest.push(a);
    }
    let args: GradeArgs;
    let config: ReturnType<typeof loadConfig>;
    try {
      args = parseGradeArgs(rest);
      config = loadConfig({ file: own.config });
      if (own.ca !== undefined) readCaFile(own.ca);
    } catch (e) {
      const usage = e instanceof ConfigError ? '' : `\nusage: ${USAGE}`;
      io.err(`xiang grade: ${oneLine(e)}${usage}`);
      return EXIT.usage;
    }
    let answersYaml: string;
    try {
      answersYaml = readFileSync(args.answersPath, 'utf8');
    } catch (e) {
      io.err(`xiang grade: cannot read the answers file: ${(e as Error).message}`);
      return EXIT.usage;
    }
    const data = { ...args, answersYaml, save: own.save };
    return runDataCommand(gradeData, config, args.factory, data, io, { caFile: own.ca });
  },
};
