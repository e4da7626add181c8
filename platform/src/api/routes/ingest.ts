import { z } from 'zod';
import type { DeadLetterQuery } from '../../ingest/dead-letters.js';
import { factoryParams } from '../params.js';
import { problem } from '../problem.js';
import { API_PREFIX, type ApiDeps, type RouteModule } from '../types.js';

const countsOut = z.record(z.string(), z.number());
const statsOut = z
  .object({
    connected: z.boolean().describe('this instance is connected to the broker and subscribed'),
    subscription: z.string().nullable(),
    parkedBatches: z.number().int(),
    parkedBytes: z.number().int(),
    deadLetters: z.number().int(),
    totals: z.object({
      messages: countsOut.describe('messages received per kind'),
      rejectedMessages: countsOut.describe('whole messages rejected, per reason'),
      rejectedPoints: countsOut.describe('points rejected from otherwise good batches, per reason'),
      refused: countsOut.describe(
        'devices of births or status messages refused (the rest applied), per reason',
      ),
      pointsStored: z.number(),
      duplicates: z.number(),
      parked: z.number(),
      unparked: z.number(),
      rebirthsRequested: z.number(),
      staleDeaths: z.number(),
      metricsRedefined: z.number(),
      legacyRebirths: z.number(),
      staleStatus: z.number(),
      storeErrors: z.number(),
    }),
    store: z.object({
      kind: z.string(),
      ok: z.boolean(),
      backlogPoints: z.number(),
      pointsWritten: z.number(),
      lastError: z.string().optional(),
    }),
  })
  .meta({ id: 'IngestStats' });

const deadLetterOut = z
  .object({
    id: z.number().int(),
    atMs: z.number().int(),
    topic: z.string(),
    factoryId: z.string().optional(),
    agentId: z.string().optional(),
    kind: z.string().optional(),
    reason: z.string(),
    detail: z.string(),
    pointCount: z.number().int(),
    payloadBytes: z.number().int(),
    truncated: z.boolean(),
    payload: z.string(),
    payloadEncoding: z.enum(['utf8', 'base64']),
  })
  .meta({ id: 'DeadLetter' });

const dlQuery = z.object({
  reason: z.string().optional(),
  beforeId: z.coerce.number().int().optional().describe('page: ids below this one'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function unavailable(deps: ApiDeps) {
  return deps.ingest ?? null;
}

/** Ingest statistics (totals survive restarts and add up across instances) and the dead-letter store. */
export const ingestRoutes: RouteModule = {
  name: 'ingest',
  register(app, deps) {
    app.get(
      `${API_PREFIX}/ingest/stats`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['ingest'],
          summary: '接入统计 · Ingest statistics',
          response: { 200: statsOut, 503: z.any() },
        },
      },
      async (req, reply) => {
        const ingest = unavailable(deps);
        if (!ingest)
          return reply
            .code(503)
            .type('application/problem+json')
            .send(problem(503, 'ingest is not running on this instance', req.url));
        return {
          connected: ingest.mqtt?.ready ?? false,
          subscription: ingest.mqtt?.filter ?? null,
          parkedBatches: ingest.parking.count(),
          parkedBytes: ingest.parking.bytes(),
          deadLetters: ingest.deadLetters.count(),
          totals: ingest.counters.totals(),
          store: deps.store.health(),
        };
      },
    );
    const list = (ingestQuery: DeadLetterQuery) => deps.ingest?.deadLetters.list(ingestQuery) ?? [];
    app.get(
      `${API_PREFIX}/ingest/dead-letters`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['ingest'],
          summary: '死信（全部） · Dead letters, all factories',
          querystring: dlQuery.extend({ factoryId: z.string().optional() }),
          response: { 200: z.array(deadLetterOut) },
        },
      },
      async (req) => list(req.query),
    );
    app.get(
      `${API_PREFIX}/factories/:factoryId/ingest/dead-letters`,
      {
        schema: {
          tags: ['ingest'],
          summary: '本厂死信 · Dead letters of one factory',
          params: factoryParams,
          querystring: dlQuery,
          response: { 200: z.array(deadLetterOut) },
        },
      },
      async (req) => list({ ...req.query, factoryId: req.params.factoryId }),
    );
  },
};
