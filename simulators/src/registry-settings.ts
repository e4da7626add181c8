import type { ShiftCalendar } from '@xiang/protocol';
import type { Scenario } from './scenario/schema.js';

/**
 * What a person would enter into the platform's registry for a simulated plant — the facts devices cannot
 * announce: the factory profile (name, industry, products, calendar, contracted demand), each line's ideal
 * cycle time and output counter, and each machine's idle and standby power and production flag. Plain data shaped
 * like the platform's registry API bodies (PUT /factories/:id, PUT …/lines, PATCH …/devices/:id), so the
 * simulators need not depend on the platform.
 */
export type ScenarioRegistrySettings = {
  profile: {
    id: string;
    name: string;
    nameEn?: string;
    industry: 'discrete' | 'process';
    industryCode?: string;
    province: string;
    products: { id: string; name: string; unit: string }[];
    calendar: ShiftCalendar;
    contractDemandKw?: number;
  };
  lines: {
    factoryId: string;
    path: string;
    /** The line's bottleneck: the slowest ideal cycle time among its production machines. */
    idealCycleTimeS?: number;
    /** The last production machine's good-part counter measures the line's output. */
    outputCounter?: { deviceId: string; metric: string };
    productId?: string;
  }[];
  devices: {
    id: string;
    patch: { standbyPowerKw: number; idlePowerKw: number; production: boolean; ratedPowerKw: number };
  }[];
};

export function scenarioRegistrySettings(s: Scenario): ScenarioRegistrySettings {
  const f = s.factory;
  const lines: ScenarioRegistrySettings['lines'] = [];
  const devices: ScenarioRegistrySettings['devices'] = [];
  for (const ws of s.workshops) {
    for (const line of ws.lines) {
      const producing = line.machines.filter((m) => m.idealCycleTimeS !== undefined);
      const last = producing[producing.length - 1];
      const cycle = producing.reduce((mx, m) => Math.max(mx, m.idealCycleTimeS ?? 0), 0);
      lines.push({
        factoryId: f.id,
        path: `${ws.id}/${line.id}`,
        ...(cycle > 0 ? { idealCycleTimeS: cycle } : {}),
        ...(last ? { outputCounter: { deviceId: last.id, metric: 'goodCount' } } : {}),
        ...(last?.products[0] ? { productId: last.products[0] } : {}),
      });
      for (const m of line.machines) {
        devices.push({
          id: m.id,
          patch: {
            standbyPowerKw: m.standbyKw,
            idlePowerKw: m.idleKw,
            production: m.type !== 'compressor',
            ratedPowerKw: m.ratedKw,
          },
        });
      }
    }
  }
  return {
    profile: {
      id: f.id,
      name: f.name,
      ...(f.nameEn ? { nameEn: f.nameEn } : {}),
      industry: f.industry,
      ...(f.industryCode ? { industryCode: f.industryCode } : {}),
      province: '湖南',
      products: f.products,
      calendar: s.calendar,
      ...(f.contractDemandKw ? { contractDemandKw: f.contractDemandKw } : {}),
    },
    lines,
    devices,
  };
}
