import { cmmm2020 } from './cmmm-2020/index.js';
import { hunanArt13Tiers } from './hunan-art13-tiers/index.js';
import { smeDigital2024 } from './sme-digital-2024/index.js';
import type { FrameworkPlugin, MaturityFramework, TierFramework } from './types.js';

/** The framework registry: a new framework is one folder (code + data) and one line here. */
export const frameworkPlugins: FrameworkPlugin[] = [cmmm2020, smeDigital2024, hunanArt13Tiers];

export function frameworkPlugin(id: string): FrameworkPlugin {
  const p = frameworkPlugins.find((f) => f.id === id);
  if (!p)
    throw new Error(`unknown framework "${id}" (known: ${frameworkPlugins.map((f) => f.id).join(', ')})`);
  return p;
}

export function maturityFramework(id: string, data?: unknown): MaturityFramework {
  const f = frameworkPlugin(id).create(data);
  if (f.kind !== 'maturity')
    throw new Error(`framework "${id}" classifies assets; it does not grade an assessment`);
  return f;
}

export function tierFramework(id = 'hunan-art13-tiers', data?: unknown): TierFramework {
  const f = frameworkPlugin(id).create(data);
  if (f.kind !== 'tiers') throw new Error(`framework "${id}" is not a tier framework`);
  return f;
}

export type * from './types.js';
