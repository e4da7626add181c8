import { assetLevelSchema } from '@xiang/protocol';
import { z } from 'zod';
import { roleSchema } from '../auth/principal.js';
import { registryDeviceSchema } from '../registry/model.js';

/** Response models shared by several routes (named, so the OpenAPI document references them). */

export const deviceViewSchema = registryDeviceSchema
  .extend({
    onlineSinceMs: z.number().int().nullable(),
    onlineReason: z.string().nullable(),
    overridden: z.array(z.string()).describe('fields a person has overridden; they win over later births'),
  })
  .meta({ id: 'Device' });

export type AssetNodeOut = {
  path: string;
  level: z.infer<typeof assetLevelSchema>;
  name?: string | undefined;
  deviceIds: string[];
  children: AssetNodeOut[];
};
export const assetNodeSchema: z.ZodType<AssetNodeOut> = z
  .object({
    path: z.string(),
    level: assetLevelSchema,
    name: z.string().optional(),
    deviceIds: z.array(z.string()),
    get children() {
      return z.array(assetNodeSchema);
    },
  })
  .meta({ id: 'AssetNode' });

export const onlineTransitionSchema = z
  .object({
    factoryId: z.string(),
    deviceId: z.string(),
    atMs: z.number().int(),
    online: z.boolean(),
    reason: z.string(),
  })
  .meta({ id: 'OnlineTransition' });

export const seriesKeySchema = z
  .object({ factoryId: z.string(), deviceId: z.string(), metric: z.string() })
  .meta({ id: 'SeriesKey' });

export const tokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleSchema,
    factories: z.array(z.string()),
    createdAtMs: z.number().int(),
    lastUsedAtMs: z.number().int().nullable(),
    expiresAtMs: z.number().int().nullable(),
  })
  .meta({ id: 'TokenInfo' });
