import type { CheckResult } from '../types.js';
import { devicePoints } from './maps.js';
import { readOnce } from './probe.js';
import type { ModbusSourceConfig } from './schema.js';
import { describeConnection, type ModbusTransport, SerialModbusTransport } from './transport.js';

/** `xiang-edge check`: opens the bus, reads every point of every device once; one row per device. */
export async function checkModbus(s: ModbusSourceConfig, io?: ModbusTransport): Promise<CheckResult[]> {
  const bus = `modbus ${s.name} ${describeConnection(s.connection)}`;
  const t = io ?? new SerialModbusTransport(s.connection);
  try {
    await t.open();
  } catch (e) {
    return [{ target: bus, ok: false, detail: e instanceof Error ? e.message : String(e) }];
  }
  const out: CheckResult[] = [];
  try {
    for (const d of s.devices) {
      const target = `${bus} unit ${d.unit} (${d.deviceId})`;
      const resolved = devicePoints(d);
      if (typeof resolved === 'string') {
        out.push({ target, ok: false, detail: resolved });
        continue;
      }
      const readings = await readOnce(
        t,
        d.unit,
        resolved.points,
        d.timeoutMs ?? s.timeoutMs,
        d.maxRegistersPerRead ?? s.maxRegistersPerRead,
        d.maxGap ?? s.maxGap,
      );
      const bad = readings.filter((r) => r.failure || !Number.isFinite(r.value));
      const sample = readings
        .filter((r) => r.value !== undefined)
        .slice(0, 3)
        .map((r) => `${r.key}=${Number(r.value!.toPrecision(6))}`)
        .join(', ');
      out.push(
        bad.length === 0
          ? { target, ok: true, detail: `${readings.length} points read (${sample})` }
          : {
              target,
              ok: false,
              detail: `${bad.length}/${readings.length} points unusable: ${bad
                .slice(0, 4)
                .map((r) => `${r.key}: ${r.failure?.detail ?? 'NaN'}`)
                .join('; ')}${bad.length > 4 ? '; …' : ''}`,
            },
      );
    }
  } finally {
    await t.close();
  }
  return out;
}
