import type { Registry } from '../../registry/registry.js';
import { notFound } from '../problem.js';

/** Pieces shared by the OEE, line-status and grading routes. */

/** The factory must be known: its calendar, lines and devices come from its profile and births. */
export function requireFactory(registry: Registry, factoryId: string): void {
  if (!registry.factory(factoryId))
    throw notFound(
      `factory "${factoryId}" is not known (no agent has spoken for it and no profile was saved)`,
    );
}

/** Longest window one OEE or indicator request may cover (loads raw state points of every machine). */
export const MAX_WINDOW_DAYS = 92;
export const DAY_MS = 86_400_000;
