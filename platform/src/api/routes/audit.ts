import { z } from 'zod';
import { factoryParams, instantSchema } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const auditEntrySchema = z
  .object({
    id: z.number().int(),
    atMs: z.number().int(),
    actorTokenId: z.string(),
    actorName: z.string(),
    action: z.string().describe('e.g. "POST /api/v1/tokens", "token.bootstrap.revoke"'),
    factoryId: z.string().nullable(),
    target: z.string(),
    detail: z.unknown(),
  })
  .meta({ id: 'AuditEntry' });

const auditQuery = z.object({
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * The audit log (who changed what, when): the whole platform's for admins, one factory's for anyone who may
 * read that factory (inspectors and assessors check who set the tariff or the calendar behind a report).
 */
export const auditRoutes: RouteModule = {
  name: 'audit',
  register(app, { tokens }) {
    app.get(
      `${API_PREFIX}/audit`,
      {
        config: { access: 'admin', maxPeriodDays: null }, // bounded by its row limit
        schema: {
          tags: ['auth'],
          summary: '审计日志 · Audit log of token and settings changes (newest first)',
          querystring: auditQuery.extend({ factoryId: z.string().optional() }),
          response: { 200: z.array(auditEntrySchema) },
        },
      },
      async (req) =>
        tokens.audit.list({
          fromMs: req.query.from,
          toMs: req.query.to,
          factoryId: req.query.factoryId,
          limit: req.query.limit,
        }),
    );
    app.get(
      `${API_PREFIX}/factories/:factoryId/audit`,
      {
        config: { maxPeriodDays: null }, // bounded by its row limit
        schema: {
          tags: ['auth'],
          summary: '工厂审计日志 · Audit log of one factory (newest first)',
          params: factoryParams,
          querystring: auditQuery,
          response: { 200: z.array(auditEntrySchema) },
        },
      },
      async (req) =>
        tokens.audit.list({
          fromMs: req.query.from,
          toMs: req.query.to,
          factoryId: req.params.factoryId,
          limit: req.query.limit,
        }),
    );
  },
};
