import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { FACTORY, fixtureBirth } from '../../../tests/platform/fixtures.js';
import { maturityFramework } from '../grading/frameworks/index.js';

/**
 * The assessment workflow over the real API (in-memory registry): draft → submitted → locked, four eyes, return
 * with a reason, one revision per batch with who and what, and the specific problem types a client acts on.
 */
let h: ApiHarness;
let assessor = '';
let inspector = '';
let otherInspector = '';
const base = `/api/v1/factories/${FACTORY}/assessments`;
const req = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  h.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
const items = maturityFramework('sme-digital-2024').items({ industry: 'discrete', tailoring: [] });

/** A valid answer of any SME item kind, written from the item's own options (no scoring code involved). */
function answerFor(i: (typeof items)[number]) {
  if (i.kind === 'multi') return { itemId: i.id, selected: [i.options![0]!.id] };
  if (i.kind === 'choice') return { itemId: i.id, choice: i.options![0]!.id };
  if (i.kind === 'level') return { itemId: i.id, level: 1 };
  return { itemId: i.id, score: 1 };
}

beforeAll(async () => {
  h = await apiHarness();
  await h.ingest.processor.handle(
    `xiang/v1/${FACTORY}/A1/birth`,
    Buffer.from(JSON.stringify(fixtureBirth('session-0001'))),
  );
  const mk = (name: string, role: 'factory' | 'inspector') =>
    h.tokens.create({ name, role, factories: [FACTORY] }).token;
  assessor = mk('assessor A', 'factory');
  inspector = mk('inspector B', 'inspector');
  otherInspector = mk('inspector C', 'inspector');
});
afterAll(async () => h.close());

describe('assessment workflow API', () => {
  it('submit needs every item, lock needs a reviewer other than the submitter, a locked one refuses edits', async () => {
    const created = await req(assessor, 'POST', base, { frameworkId: 'sme-digital-2024' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json().status).toBe('draft');

    const half = items.slice(0, 10).map(answerFor);
    expect((await req(assessor, 'POST', `${base}/${id}/answers`, { answers: half })).json().revision).toBe(2);
    const early = await req(assessor, 'POST', `${base}/${id}/submit`);
    expect(early.statusCode).toBe(409);
    expect(early.json().type).toBe('urn:xiang:problem:assessment-incomplete');
    expect(early.json().detail).toContain(`${items.length - 10} of ${items.length}`);

    // A batch with one bad item changes nothing.
    const bad = await req(assessor, 'POST', `${base}/${id}/answers`, {
      answers: [...items.slice(10).map(answerFor), { itemId: 'no-such-item', level: 1 }],
    });
    expect(bad.statusCode).toBe(404);
    expect((await req(assessor, 'GET', `${base}/${id}`)).json().assessment.answers).toHaveLength(10);

    await req(assessor, 'POST', `${base}/${id}/answers`, { answers: items.slice(10).map(answerFor) });
    const submitted = await req(assessor, 'POST', `${base}/${id}/submit`);
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json().assessment).toMatchObject({ status: 'submitted', submittedBy: 'assessor A' });

    // Submitted: no edits until the reviewer returns it.
    const edit = await req(assessor, 'PUT', `${base}/${id}/answers/${items[0]!.id}`, answerFor(items[0]!));
    expect(edit.statusCode).toBe(409);
    expect(edit.json().type).toBe('urn:xiang:problem:assessment-submitted');
    // A factory token is no reviewer; an inspector may not write answers.
    expect((await req(assessor, 'POST', `${base}/${id}/lock`)).json().type).toBe(
      'urn:xiang:problem:reviewer-required',
    );
    expect((await req(inspector, 'POST', `${base}/${id}/answers`, { answers: half })).statusCode).toBe(403);

    const returned = await req(inspector, 'POST', `${base}/${id}/return`, { reason: '佐证不足' });
    expect(returned.json().assessment).toMatchObject({ status: 'draft', returnReason: '佐证不足' });
    expect(
      (await req(assessor, 'PUT', `${base}/${id}/answers/${items[0]!.id}`, answerFor(items[0]!))).statusCode,
    ).toBe(200);
    expect((await req(assessor, 'POST', `${base}/${id}/submit`)).statusCode).toBe(200);

    const locked = await req(otherInspector, 'POST', `${base}/${id}/lock`);
    expect(locked.statusCode).toBe(200);
    expect(locked.json().assessment).toMatchObject({ status: 'locked', lockedBy: 'inspector C' });
    // The lock computed the report as reviewed.
    const report = (await req(inspector, 'GET', `${base}/${id}/report`)).json();
    expect(report.assessment).toMatchObject({
      status: 'locked',
      lockedBy: 'inspector C',
      submittedBy: 'assessor A',
    });

    for (const [token, method, url, body] of [
      [assessor, 'PUT', `${base}/${id}/answers/${items[0]!.id}`, answerFor(items[0]!)],
      [assessor, 'POST', `${base}/${id}/answers`, { answers: half }],
      [assessor, 'POST', `${base}/${id}/autofill`, {}],
      [assessor, 'POST', `${base}/${id}/compute`, undefined],
      [assessor, 'POST', `${base}/${id}/submit`, undefined],
      [inspector, 'POST', `${base}/${id}/lock`, undefined],
      [inspector, 'POST', `${base}/${id}/return`, { reason: 'x' }],
    ] as const) {
      const r = await req(token, method, url, body);
      expect(r.statusCode, url).toBe(409);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().type, url).toBe('urn:xiang:problem:assessment-locked');
    }

    // History: who did what, in order; each batch one revision.
    const history = (await req(inspector, 'GET', `${base}/${id}/history`)).json() as {
      savedBy: string | null;
      action: string;
      changes: { answers: unknown[]; status?: { before: string; after: string } };
    }[];
    expect(history.map((r) => `${r.action}:${r.savedBy}`)).toEqual([
      'create:null',
      'answer:assessor A',
      'answer:assessor A',
      'submit:assessor A',
      'return:inspector B',
      'answer:assessor A',
      'submit:assessor A',
      'lock:inspector C',
    ]);
    expect(history[1]!.changes.answers).toHaveLength(10);
    expect(history[2]!.changes.answers).toHaveLength(items.length - 10);
    expect(history[7]!.changes.status).toEqual({ before: 'submitted', after: 'locked' });
  });

  it('the submitter cannot lock their own assessment, even as admin', async () => {
    const id = (await req(h.adminToken, 'POST', base, { frameworkId: 'sme-digital-2024' })).json().id;
    await req(h.adminToken, 'POST', `${base}/${id}/answers`, { answers: items.map(answerFor) });
    expect((await req(h.adminToken, 'POST', `${base}/${id}/submit`)).statusCode).toBe(200);
    const self = await req(h.adminToken, 'POST', `${base}/${id}/lock`);
    expect(self.statusCode).toBe(403);
    expect(self.json().type).toBe('urn:xiang:problem:reviewer-is-submitter');
  });
});
