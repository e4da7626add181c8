import { pathChain } from '../../oee/assets.js';
import { devicesInScope, goodPointsInPeriod, memo, ratio, worstFirst } from './context.js';
import type { IndicatorModule } from './types.js';

/**
 * Energy-metering coverage. For the whole factory the value comes from the energy diagnostics (metered share
 * per GB 17167), passed in as an input. Where that is absent, and for workshops, lines and stations, a registry
 * proxy: share of the scope's production machines with a live meter at their own asset or at an ancestor
 * inside the scope (a meter above the scope meters more than the scope and does not count).
 */
export const energyMeteringCoverage: IndicatorModule = {
  id: 'energy-metering-coverage',
  name: { zh: '能源计量覆盖率', en: 'Energy-metering coverage' },
  formula: {
    zh: '工厂级取自节能诊断（计量覆盖）；否则 = 在本范围内（本级或其下）有在用计量表的生产设备数 ÷ 生产设备数',
    en: 'Factory level from the energy diagnostics (metering coverage); otherwise = production machines with a live meter at their asset or an ancestor within the scope ÷ production machines',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const external = ctx.inputs.energyMeteringCoverage;
    if (scope.assetPath === '' && !scope.deviceIds && external) {
      return {
        value: external.value,
        counts: external.counts,
        pullingDown: external.pullingDown ?? [],
        notes: [
          external.formula ?? {
            zh: '来自节能诊断的计量覆盖率',
            en: 'Metering coverage from the energy diagnostics',
          },
        ],
      };
    }
    const machines = devicesInScope(ctx.equipment, scope).filter((d) => d.kind === 'machine');
    const liveMeterPaths = memo(
      ctx,
      'energy.liveMeterPaths',
      () =>
        new Set(
          ctx.inputs.snapshot.devices
            .filter((d) => d.kind === 'meter' && goodPointsInPeriod(ctx, d.id) > 0)
            .map((d) => d.assetPath),
        ),
    );
    const scopeDepth = scope.assetPath === '' ? 0 : scope.assetPath.split('/').length;
    const metered = (path: string) =>
      pathChain(path)
        .filter((p) => (p === '' ? 0 : p.split('/').length) >= scopeDepth)
        .some((p) => liveMeterPaths.has(p));
    const ok = machines.filter((m) => metered(m.assetPath));
    return {
      value: ratio(ok.length, machines.length),
      counts: { machines: machines.length, metered: ok.length },
      pullingDown: worstFirst(
        machines
          .filter((m) => !metered(m.assetPath))
          .map((m) => ({
            kind: 'device' as const,
            ref: m.id,
            assetPath: m.assetPath,
            value: 0,
            reason: { zh: '无在用的能源计量表', en: 'No live energy meter' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [
        {
          zh: '注册表代理指标（非 GB 17167 计量覆盖率）',
          en: 'Registry proxy (not the GB 17167 metering coverage)',
        },
      ],
    };
  },
};
