import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load.js';
import { GRADE_USAGE, gradeFromLoaded, gradePeriod, parseGradeArgs } from '../grading/cli.js';
import { GradingRepository } from '../services/grading/repository.js';
import { loadIndicatorInputs } from '../services/grading/service.js';
import { withFactoryData } from './factory-data.js';
import { type CliCommand, EXIT } from './types.js';

/**
 * `xiang grade --factory F --framework cmmm-2020 --answers answers.yaml [--lang en] [--from D --to D]
 *  --out report.html [--json report.json] [--config platform.yaml] [--no-save]`
 *
 * Opens the platform's data directory like `xiang serve` (config file, XIANG_* env, defaults): the registry
 * and the time-series store, read-only in effect, so it can run beside a serving platform (SQLite WAL).
 * Indicators over the period → telemetry suggestions → the answers file → level, scores, tiers, gaps →
 * the report (zh-CN unless --lang en). The assessment and its result are saved to the platform's history
 * (so the console lists it and the next report shows progress) unless --no-save. Progress goes to stderr.
 */
export const gradeCommand: CliCommand = {
  name: 'grade',
  summary: '数字化转型分级评估报告 · Grade a factory (CMMM / SME) with telemetry evidence',
  usage: `${GRADE_USAGE.replace('usage: ', '')} [--config platform.yaml] [--no-save]`,
  async run(argv, io) {
    const own = { config: undefined as string | undefined, save: true };
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '--no-save') own.save = false;
      else if (a === '--config' || a === '-c') own.config = argv[++i];
      else if (a.startsWith('--config=')) own.config = a.slice('--config='.length);
      else rest.push(a);
    }
    let args: ReturnType<typeof parseGradeArgs>;
    let config: ReturnType<typeof loadConfig>;
    try {
      args = parseGradeArgs(rest);
      config = loadConfig({ file: own.config });
    } catch (e) {
      const msg = (e as Error).message;
      const usage = e instanceof ConfigError || msg.includes('usage:') ? '' : `\nusage: ${this.usage}`;
      io.err(`xiang grade: ${msg}${usage}`);
      return EXIT.usage;
    }
    let answersYaml: string;
    try {
      answersYaml = readFileSync(args.answersPath, 'utf8');
    } catch (e) {
      io.err(`xiang grade: cannot read the answers file: ${(e as Error).message}`);
      return EXIT.usage;
    }
    return withFactoryData(
      'grade',
      config,
      args.factory,
      io,
      async ({ db, store, registry, profile, step }) => {
        try {
          const nowMs = Date.now();
          const period = gradePeriod(args, answersYaml, nowMs, profile.calendar?.utcOffsetMinutes ?? 480);
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
            answersYaml,
            indicatorInputs: inputs,
            nowMs,
            progress: repo.progress(args.factory, args.framework),
          });
          mkdirSync(path.dirname(path.resolve(out.outPath)), { recursive: true });
          writeFileSync(out.outPath, out.html);
          step(`wrote ${out.outPath}`);
          if (out.jsonPath) {
            mkdirSync(path.dirname(path.resolve(out.jsonPath)), { recursive: true });
            writeFileSync(out.jsonPath, out.json);
            step(`wrote ${out.jsonPath}`);
          }
          if (own.save) {
            repo.saveAssessment(out.run.assessment);
            repo.recordResult(out.run.report);
            step(`saved assessment ${out.run.assessment.id} to the platform's history`);
          }
          for (const m of out.messages) io.err(m);
          io.out(out.outPath);
          return EXIT.ok;
        } catch (e) {
          io.err(`xiang grade: ${(e as Error).message}`);
          return EXIT.failed;
        }
      },
    );
  },
};
