import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { answerItem, assessmentSchema } from '../../grading/assessment.js';
import { gradeFactory } from '../../grading/grade.js';
import { demoFactory } from '../../grading/test-fixture.js';
import { GradingRepository } from './repository.js';

const dir = mkdtempSync(join(tmpdir(), 'xiang-grading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (id: string, createdAtMs: number) =>
  assessmentSchema.parse({
    id,
    factoryId: 'F1',
    frameworkId: 'cmmm-2020',
    frameworkVersion: '2020.1-xiang-draft',
    industry: 'discrete',
    createdAtMs,
    updatedAtMs: createdAtMs,
  });

describe('grading repository (SQLite via better-sqlite3)', () => {
  const inputs = demoFactory();

  it('keeps assessments with revisions and results, and shows progress between assessments after reopening', () => {
    const file = join(dir, 'grading.db');
    const repo = new GradingRepository(file);
    // First assessment: telemetry only.
    const first = gradeFactory({ indicatorInputs: inputs, assessment: base('A1', 1_000), nowMs: 2_000 });
    expect(repo.saveAssessment(first.assessment)).toEqual({ revision: 1 });
    repo.recordResult(first.report);
    // Second assessment a quarter later: the assessor adds answers; saved twice → two revisions.
    let a2 = gradeFactory({
      indicatorInputs: inputs,
      assessment: base('A2', 10_000),
      nowMs: 10_000,
    }).assessment;
    repo.saveAssessment(a2);
    for (const r of ['strategy', 'skills', 'data', 'integration', 'security', 'equipment', 'network'])
      a2 = answerItem(
        a2,
        `${r}.L1.1`,
        { score: 1 },
        { atMs: 11_000, by: '李工', evidence: [{ kind: 'document', ref: `docs/${r}.pdf` }] },
      );
    expect(repo.saveAssessment(a2)).toEqual({ revision: 2 });
    const second = gradeFactory({ indicatorInputs: inputs, assessment: a2, autofill: false, nowMs: 12_000 });
    repo.recordResult(second.report);
    repo.close();

    const again = new GradingRepository(file);
    expect(again.listAssessments('F1').map((s) => [s.id, s.revisions])).toEqual([
      ['A1', 1],
      ['A2', 2],
    ]);
    expect(
      again.revisions('A2').map((r) => r.assessment.answers.filter((x) => x.source === 'assessor').length),
    ).toEqual([0, 7]);
    expect(again.getAssessment('A2')?.answers.find((x) => x.itemId === 'data.L1.1')).toMatchObject({
      answeredBy: '李工',
      value: { score: 1 },
    });
    const progress = again.progress('F1', 'cmmm-2020');
    expect(progress.map((p) => p.assessmentId)).toEqual(['A1', 'A2']);
    expect(progress[1]?.totalScore).toBeGreaterThan(progress[0]?.totalScore ?? 0);
    expect(again.latestResult('A2')?.result.totalScore).toBe(second.result.totalScore);
    expect(again.listAssessments('F2')).toEqual([]);
    again.close();
  });

  it('refuses results without their assessment and moving an assessment to another factory', () => {
    const repo = new GradingRepository(':memory:');
    const run = gradeFactory({ indicatorInputs: inputs, assessment: base('B1', 1), nowMs: 2 });
    expect(() => repo.recordResult(run.report)).toThrow(/no assessment B1/);
    repo.saveAssessment(run.assessment);
    expect(() => repo.saveAssessment({ ...run.assessment, factoryId: 'F9' })).toThrow(/cannot move/);
    expect(() => repo.saveAssessment({ ...run.assessment, industry: 'mixed' })).toThrow();
    repo.close();
  });

  it('opens a file written before revisions recorded who and why, keeping its history', () => {
    const file = join(dir, 'old.db');
    const old = new Database(file);
    // The revisions table as the first release created it (no saved_by / action), with one stored revision.
    old.exec(`CREATE TABLE grading_assessments (id TEXT PRIMARY KEY, factory_id TEXT NOT NULL, framework_id TEXT NOT NULL,
      framework_version TEXT NOT NULL, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE grading_assessment_revisions (assessment_id TEXT NOT NULL, revision INTEGER NOT NULL,
      saved_at_ms INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (assessment_id, revision));`);
    const a = base('OLD', 5);
    const { status: _s, ...stored } = a; // a body from before the workflow fields
    old
      .prepare('INSERT INTO grading_assessments VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run('OLD', 'F1', a.frameworkId, a.frameworkVersion, 5, 5, JSON.stringify(stored));
    old
      .prepare('INSERT INTO grading_assessment_revisions VALUES (?, 1, 5, ?)')
      .run('OLD', JSON.stringify(stored));
    old.close();
    const repo = new GradingRepository(file);
    expect(repo.getAssessment('OLD')?.status).toBe('draft');
    expect(repo.saveAssessment({ ...a, updatedAtMs: 6 }, { by: '张工', action: 'answer' })).toEqual({
      revision: 2,
    });
    expect(repo.revisions('OLD').map((r) => [r.revision, r.savedBy, r.action])).toEqual([
      [1, null, null],
      [2, '张工', 'answer'],
    ]);
    repo.close();
  });
});
