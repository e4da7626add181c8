import { describe, expect, it } from 'vitest';
import { scenarioRegistrySettings } from './registry-settings.js';
import { loadScenario } from './scenario/load.js';

describe('scenarioRegistrySettings', () => {
  it('derives profile, line bottleneck cycle time, output counter and machine idle/standby power', async () => {
    const s = await loadScenario('tiny');
    const r = scenarioRegistrySettings(s);
    expect(r.profile).toMatchObject({ id: s.factory.id, name: s.factory.name, industry: s.factory.industry });
    expect(r.profile.calendar.shifts.length).toBe(s.calendar.shifts.length);
    const ws = s.workshops[0]!;
    const line = ws.lines[0]!;
    const producing = line.machines.filter((m) => m.idealCycleTimeS !== undefined);
    const settings = r.lines.find((l) => l.path === `${ws.id}/${line.id}`)!;
    expect(settings.idealCycleTimeS).toBe(Math.max(...producing.map((m) => m.idealCycleTimeS!)));
    expect(settings.outputCounter).toEqual({
      deviceId: producing[producing.length - 1]!.id,
      metric: 'goodCount',
    });
    const m0 = line.machines[0]!;
    expect(r.devices.find((d) => d.id === m0.id)?.patch.standbyPowerKw).toBe(m0.standbyKw);
    expect(r.devices.find((d) => d.id === m0.id)?.patch.idlePowerKw).toBe(m0.idleKw);
    const machines = s.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines));
    expect(r.devices).toHaveLength(machines.length);
    expect(r.devices.filter((d) => !d.patch.production).map((d) => d.id)).toEqual(
      machines.filter((m) => m.type === 'compressor').map((m) => m.id),
    );
  });
});
