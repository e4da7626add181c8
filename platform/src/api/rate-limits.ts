import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from './types.js';

/**
 * Rate limits (@fastify/rate-limit, in-process store): requests per token per minute, and failed
 * authentications per client IP per minute — a brute force on tokens is slowed to a crawl while every other
 * client keeps working. Applied by the auth guard (auth/guard.ts), which knows which token a request carries
 * and whether it was refused.
 */
export type RateLimitSettings = { perTokenPerMinute: number; authFailuresPerMinutePerIp: number };
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  perTokenPerMinute: 6000,
  authFailuresPerMinutePerIp: 20,
};

export type LimitCheck = (
  req: FastifyRequest,
  opts?: { increment?: boolean },
) => Promise<{ isAllowed: boolean; isExceeded?: boolean; remaining?: number; ttlInSeconds?: number }>;
export type RateLimiters = { perToken: LimitCheck; authFailures: LimitCheck };

export async function installRateLimits(app: ZodApp, s: RateLimitSettings): Promise<RateLimiters> {
  await app.register(fastifyRateLimit, { global: false });
  const perToken = app.createRateLimit({
    max: s.perTokenPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `token:${req.principal?.tokenId ?? req.ip}`,
  }) as LimitCheck;
  const authFailures = app.createRateLimit({
    max: s.authFailuresPerMinutePerIp,
    timeWindow: 60_000,
    keyGenerator: (req) => `authfail:${req.ip}`,
  }) as LimitCheck;
  return { perToken, authFailures };
}
