import { equipmentClassInfo } from '@xiang/protocol';
import type { DiagnosisContext, MachineInfo } from '../context.js';

/**
 * Per-slot masks the off-production analyses share. They depend on the workshop (or the meter) only, not on
 * the meter being analysed, so the off-shift rule builds each once per diagnosis instead of once per meter:
 * on a year of quarter-hours for 200 meters, per-meter rebuilding was most of the rule's time.
 */
function isProductionMachine(ctx: DiagnosisContext, m: MachineInfo): boolean {
  const d = ctx.devices.get(m.deviceId);
  const group = equipmentClassInfo(m.equipmentClass ?? undefined)?.group;
  return (d?.production ?? true) && group !== 'utility';
}

/** 1 where a production machine of the workshop (of the plant, for factory-level meters) executes. */
export function productionObserved(ctx: DiagnosisContext, assetPath: string): Uint8Array {
  const ws = assetPath.split('/')[0] ?? '';
  const out = new Uint8Array(ctx.grid.n);
  for (const m of ctx.machines) {
    if (!m.occ || !isProductionMachine(ctx, m)) continue;
    if (ws !== '' && m.assetPath.split('/')[0] !== ws) continue;
    for (let i = 0; i < out.length; i++) if (m.occ.exec[i]! > 0) out[i] = 1;
  }
  return out;
}

/** productionObserved per workshop, built on first use: meters of one workshop share it. */
export function observedByWorkshop(ctx: DiagnosisContext): (assetPath: string) => Uint8Array {
  const cache = new Map<string, Uint8Array>();
  return (assetPath) => {
    const ws = assetPath.split('/')[0] ?? '';
    let out = cache.get(ws);
    if (!out) {
      out = productionObserved(ctx, ws);
      cache.set(ws, out);
    }
    return out;
  };
}

/**
 * 1 where a machine on the meter idles (at least `minIdle` of the slot) or executes: such a slot is the
 * idle rule's or production, never off-shift waste. Null when the meter measures no machine with states.
 */
export function machinesBusy(measured: MachineInfo[], n: number, minIdle: number): Uint8Array | null {
  let out: Uint8Array | null = null;
  for (const m of measured) {
    if (!m.occ) continue;
    out ??= new Uint8Array(n);
    const { idle, exec } = m.occ;
    for (let i = 0; i < n; i++) if (idle[i]! >= minIdle || exec[i]! > 0) out[i] = 1;
  }
  return out;
}

/** The machines each meter measures, grouped once (the rule asks per meter). */
export function machinesByMeter(ctx: DiagnosisContext): Map<string, MachineInfo[]> {
  const out = new Map<string, MachineInfo[]>();
  for (const m of ctx.machines) {
    if (m.meterId === null) continue;
    const list = out.get(m.meterId);
    if (list) list.push(m);
    else out.set(m.meterId, [m]);
  }
  return out;
}
