import { z } from 'zod';
import { renderGradingHtml } from '../../grading/report/html.js';
import { HttpProblem } from '../problem.js';
import { REPORT_HEADERS, REPORT_LINK_KEY, REPORT_LINK_TTL_MS, ReportLinks } from '../report-links.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { assessmentParams, graded, gradingService, langQuery } from './grading-common.js';

/**
 * 评估报告链接: the console opens the grading report in a browser tab through a short-lived link (the tab cannot
 * send the Bearer token; a blob opened from the console would lose the report's styling to the console's CSP).
 */
export const assessmentReportLinkRoutes: RouteModule = {
  name: 'assessment-report-links',
  register(app, deps) {
    const tags = ['grading'];
    const svc = () => gradingService(deps);
    const links = new ReportLinks<{ factoryId: string; assessmentId: string; lang: 'zh' | 'en' }>();
    app.post(
      `${API_PREFIX}/factories/:factoryId/assessments/:assessmentId/report-links`,
      {
        config: { access: 'factoryRead' },
        schema: {
          tags,
          summary: '报告链接 · A short-lived link that opens the grading report in a browser tab',
          description: `The link works without a token for ${REPORT_LINK_TTL_MS / 60_000} minutes (its random key is the credential).`,
          params: assessmentParams,
          body: z.object({ lang: langQuery }).strict().optional(),
          response: { 201: z.object({ url: z.string(), expiresAtMs: z.number().int() }) },
        },
      },
      async (req, reply) => {
        await graded(() => svc().report(req.params.factoryId, req.params.assessmentId)); // computed, this factory
        const { key, expiresAtMs } = links.issue({ ...req.params, lang: req.body?.lang ?? 'zh' });
        return reply.code(201).send({ url: `${API_PREFIX}/grading-reports/${key}`, expiresAtMs });
      },
    );
    app.get(
      `${API_PREFIX}/grading-reports/:key`,
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: '打开评估报告 · The HTML grading report behind a report link',
          params: z.object({ key: z.string().regex(REPORT_LINK_KEY, 'expected a report link key') }),
          response: { 200: z.string() },
        },
      },
      async (req, reply) => {
        const l = links.resolve(req.params.key);
        if (!l) throw new HttpProblem(404, 'this report link is unknown or has expired');
        const report = await graded(() => svc().report(l.factoryId, l.assessmentId));
        return reply
          .type('text/html; charset=utf-8')
          .headers(REPORT_HEADERS)
          .send(renderGradingHtml(report, l.lang));
      },
    );
  },
};
