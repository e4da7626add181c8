import { idSchema } from '@xiang/protocol';
import { z } from 'zod';

/**
 * Roles: `admin` sees and changes everything (and manages tokens); `factory` reads and edits only its own
 * factories; `inspector` (节能监察/评估 staff) reads only the factories assigned to it and never writes.
 */
export const roleSchema = z.enum(['admin', 'factory', 'inspector']);
export type Role = z.infer<typeof roleSchema>;

export type Principal = {
  tokenId: string;
  name: string;
  role: Role;
  /** Factories the token is scoped to (ignored for admin). */
  factories: string[];
};

export const tokenScopeSchema = z
  .object({
    name: z.string().min(1).max(100),
    role: roleSchema,
    factories: z.array(idSchema).max(1000).default([]),
    /** Optional expiry, epoch ms. */
    expiresAtMs: z.number().int().positive().optional(),
  })
  .refine((t) => t.role === 'admin' || t.factories.length > 0, {
    message: 'a factory or inspector token needs at least one factory',
    path: ['factories'],
  });

export function canRead(p: Principal, factoryId: string): boolean {
  return p.role === 'admin' || p.factories.includes(factoryId);
}

export function canWrite(p: Principal, factoryId: string): boolean {
  if (p.role === 'admin') return true;
  return p.role === 'factory' && p.factories.includes(factoryId);
}

/** The factories a principal may see, out of a list. */
export function visibleFactories<T extends { id: string }>(p: Principal, all: T[]): T[] {
  return p.role === 'admin' ? all : all.filter((f) => p.factories.includes(f.id));
}
