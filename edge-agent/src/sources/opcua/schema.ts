import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import {
  deviceMetaSchema,
  fileRef,
  metricMetaSchema,
  positiveMs,
  reconnectSchema,
} from '../../config/parts.js';

/** The `type: opcua` source: one endpoint, one session, monitored items (see ./README.md). */

const NODE_ID_RE = /^(ns=\d+;|nsu=[^;]+;)?(s=.+|i=\d+|g=[0-9a-fA-F-]{36}|b=[A-Za-z0-9+/=]+)$/;
export const nodeIdStringSchema = z
  .string()
  .regex(NODE_ID_RE, 'expected "ns=<n>;s=<id>" or "nsu=<uri>;…" (s=, i=, g= or b= identifier)');

/** Browse path relative to the Objects folder, "/" separated, each element "<nsIndex>:<BrowseName>". */
const BROWSE_PATH_RE = /^(\/[0-9]+:[^/]+)+$/;
export const browsePathSchema = z
  .string()
  .regex(BROWSE_PATH_RE, 'expected a browse path like "/2:Factory/2:WS1/2:M01/2:activePower"');

const deadbandSchema = z.object({
  type: z.enum(['absolute', 'percent']),
  value: z.number().min(0),
});

export const opcuaNodeSchema = deviceMetaSchema
  .extend(metricMetaSchema.shape)
  .extend({
    deviceId: idSchema,
    nodeId: nodeIdStringSchema.optional(),
    browsePath: browsePathSchema.optional(),
    /**
     * Element of a one-dimensional array variable (ValueRank 1), 0-based: monitored with that IndexRange.
     * An array variable without `index` is refused (it would never yield a scalar value).
     */
    index: z.number().int().min(0).max(65_535).optional(),
    samplingIntervalMs: positiveMs.optional(),
    queueSize: z.number().int().min(1).max(10_000).optional(),
    deadband: deadbandSchema.optional(),
  })
  .refine((n) => (n.nodeId === undefined) !== (n.browsePath === undefined), {
    message: 'expected exactly one of nodeId or browsePath',
  });
export type OpcuaNodeConfig = z.infer<typeof opcuaNodeSchema>;

export const securityModeSchema = z.enum(['None', 'Sign', 'SignAndEncrypt']);
export const securityPolicySchema = z.enum([
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
]);

export const userIdentitySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('anonymous') }),
  z.object({ type: z.literal('username'), username: z.string().min(1), password: z.string() }),
  z.object({ type: z.literal('certificate'), certFile: fileRef, keyFile: fileRef }),
]);
export type UserIdentityConfig = z.infer<typeof userIdentitySchema>;

export const opcuaSourceSchema = z
  .object({
    type: z.literal('opcua'),
    name: idSchema,
    endpoint: z.string().regex(/^opc\.tcp:\/\/.+/, 'expected "opc.tcp://host:port[/path]"'),
    securityMode: securityModeSchema.default('None'),
    securityPolicy: securityPolicySchema.default('None'),
    user: userIdentitySchema.default({ type: 'anonymous' }),
    pki: z
      .object({
        /** PKI folder (own/, trusted/, rejected/); default <dataDir>/pki/<source name>. */
        dir: z.string().optional(),
        /** Accept and trust an unknown server certificate the first time it is seen (off by default). */
        trustOnFirstUse: z.boolean().default(false),
      })
      .default({ trustOnFirstUse: false }),
    defaults: z
      .object({
        samplingIntervalMs: positiveMs.default(1000),
        queueSize: z.number().int().min(1).max(10_000).default(10),
        publishingIntervalMs: z.number().int().min(10).default(1000),
      })
      .default({ samplingIntervalMs: 1000, queueSize: 10, publishingIntervalMs: 1000 }),
    reconnect: reconnectSchema,
    nodes: z.array(opcuaNodeSchema).min(1, 'expected at least one node'),
  })
  .superRefine((s, ctx) => {
    if ((s.securityMode === 'None') !== (s.securityPolicy === 'None')) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `expected securityPolicy None exactly when securityMode is None (got ${s.securityMode}/${s.securityPolicy})`,
      });
    }
  });
export type OpcuaSourceConfig = z.infer<typeof opcuaSourceSchema>;
