import { z } from 'zod';
import { hunanTouTariff, touTariffSchema } from '../../energy/accounting/tou.js';
import {
  CoefficientBook,
  coefficientGroupSchema,
  coefficientRecordSchema,
} from '../../energy/data/coefficients.js';
import { defaultSettingsFile } from '../../energy/data/settings.js';
import { API_PREFIX, type RouteModule } from '../types.js';

/**
 * The energy coefficients as the platform ships them (GB/T 2589 conversion factors, grid and fuel emission
 * factors, 215号 power-factor tables, GB 17167 coverage, limits, benchmarks…), each with value, unit, source,
 * year and confidence (C confirmed / S single source / R reconstructed); plus the diagnostic settings and the
 * default time-of-use tariff. These are what a run's `options.coefficientOverrides` / `settings` / `tariff`
 * override. Standards data, not factory data: any signed-in token may read it.
 */
export const coefficientRoutes: RouteModule = {
  name: 'energy-coefficients',
  register(app) {
    app.get(
      `${API_PREFIX}/energy/coefficients`,
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['energy'],
          summary: '系数表 · Energy coefficients with source and confidence',
          querystring: z.object({
            group: coefficientGroupSchema.optional().describe('only one group, e.g. conversion or grid'),
          }),
          response: {
            200: z.object({
              coefficients: z.array(coefficientRecordSchema.meta({ id: 'CoefficientRecord' })),
              settings: z.record(z.string(), z.unknown()).describe('diagnostic thresholds with rationale'),
              tariff: touTariffSchema.describe('default time-of-use tariff (no price shipped)'),
            }),
          },
        },
      },
      async (req) => ({
        coefficients: CoefficientBook.withOverrides()
          .all()
          .filter((c) => req.query.group === undefined || c.group === req.query.group),
        settings: defaultSettingsFile as unknown as Record<string, unknown>,
        tariff: hunanTouTariff,
      }),
    );
  },
};
