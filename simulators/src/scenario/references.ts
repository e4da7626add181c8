import type { Scenario } from './schema.js';

/**
 * Cross-reference checks the zod schema cannot express (ids that point at other entries, the metering tree's
 * shape, tick alignment of fault durations). Each issue names the path like formatZodIssues does.
 */
export function referenceIssues(s: Scenario): string[] {
  const issues: string[] = [];
  const tickS = s.clock.tickSeconds;
  const machines = new Map<string, { type: string; path: string }>();
  const deviceIds = new Map<string, string>();
  const claim = (id: string, path: string) => {
    const prev = deviceIds.get(id);
    if (prev) issues.push(`${path}: duplicate device id "${id}" (also ${prev})`);
    else deviceIds.set(id, path);
  };

  if (s.calendar.utcOffsetMinutes !== s.factory.utcOffsetMinutes) {
    issues.push(
      `calendar.utcOffsetMinutes: expected ${s.factory.utcOffsetMinutes} (factory.utcOffsetMinutes), got ${s.calendar.utcOffsetMinutes}`,
    );
  }
  const wsIds = new Set<string>();
  s.workshops.forEach((ws, wi) => {
    if (wsIds.has(ws.id)) issues.push(`workshops[${wi}].id: duplicate workshop id "${ws.id}"`);
    wsIds.add(ws.id);
    const lineIds = new Set<string>();
    ws.lines.forEach((line, li) => {
      if (lineIds.has(line.id))
        issues.push(`workshops[${wi}].lines[${li}].id: duplicate line id "${line.id}"`);
      lineIds.add(line.id);
      line.machines.forEach((m, mi) => {
        const p = `workshops[${wi}].lines[${li}].machines[${mi}]`;
        claim(m.id, p);
        machines.set(m.id, { type: m.type, path: p });
        const products = new Set(s.factory.products.map((x) => x.id));
        m.products.forEach((pid, pi) => {
          if (!products.has(pid))
            issues.push(`${p}.products[${pi}]: unknown product "${pid}" (not in factory.products)`);
        });
      });
    });
  });

  const meters = new Map(s.meters.map((m) => [m.id, m]));
  const loadOwner = new Map<string, string>(); // `${medium}:${machineId}` → meter id
  s.meters.forEach((m, i) => {
    const p = `meters[${i}]`;
    claim(m.id, p);
    if (m.parent !== undefined) {
      const parent = meters.get(m.parent);
      if (!parent) issues.push(`${p}.parent: unknown meter "${m.parent}"`);
      else if (parent.medium !== m.medium)
        issues.push(`${p}.parent: parent "${m.parent}" measures ${parent.medium}, this meter ${m.medium}`);
    }
    if (m.role === 'mainIncomer' && m.parent !== undefined)
      issues.push(`${p}.parent: a mainIncomer has no parent`);
    if (m.medium === 'electricity' && m.utility)
      issues.push(`${p}.utility: only non-electric meters have utility rates`);
    if (m.medium !== 'electricity' && m.baseLoad)
      issues.push(`${p}.baseLoad: only electricity meters have a baseLoad`);
    m.loads.forEach((id, li) => {
      if (!machines.has(id)) {
        issues.push(`${p}.loads[${li}]: unknown machine "${id}"`);
        return;
      }
      const key = `${m.medium}:${id}`;
      const owner = loadOwner.get(key);
      if (owner)
        issues.push(`${p}.loads[${li}]: machine "${id}" is already measured by ${m.medium} meter "${owner}"`);
      else loadOwner.set(key, m.id);
    });
    // Walk up the parents: a cycle would make the tree sum loop forever.
    const seen = new Set<string>([m.id]);
    for (let cur = m.parent, n = 0; cur !== undefined && n < 1000; n++) {
      if (seen.has(cur)) {
        issues.push(`${p}.parent: metering tree has a cycle through "${cur}"`);
        break;
      }
      seen.add(cur);
      cur = meters.get(cur)?.parent;
    }
  });
  s.sensors.forEach((x, i) => {
    claim(x.id, `sensors[${i}]`);
  });

  const faultIds = new Set<string>();
  const isElecMeter = (id: string) => meters.get(id)?.medium === 'electricity';
  s.faults.forEach((f, i) => {
    const p = `faults[${i}]`;
    if (faultIds.has(f.id)) issues.push(`${p}.id: duplicate fault id "${f.id}"`);
    faultIds.add(f.id);
    if (f.from && f.to && Date.parse(f.from) >= Date.parse(f.to))
      issues.push(`${p}.to: expected a time after from`);
    const needElecMeter = (id: string, field: string) => {
      if (!isElecMeter(id)) issues.push(`${p}.${field}: "${id}" is not an electricity meter`);
    };
    switch (f.type) {
      case 'offShiftBaseLoad': {
        const mc = machines.get(f.target);
        if (!(isElecMeter(f.target) || mc?.type === 'compressor'))
          issues.push(`${p}.target: "${f.target}" is neither an electricity meter nor a compressor`);
        break;
      }
      case 'idleThroughBreaks':
      case 'microStops':
        f.machines.forEach((id, mi) => {
          if (!machines.has(id)) issues.push(`${p}.machines[${mi}]: unknown machine "${id}"`);
        });
        if (f.type === 'microStops' && f.seconds % tickS !== 0)
          issues.push(`${p}.seconds: expected a multiple of the tick (${tickS} s), got ${f.seconds}`);
        break;
      case 'lowPowerFactor':
      case 'phaseUnbalance':
      case 'harmonicDistortion':
        needElecMeter(f.meter, 'meter');
        break;
      case 'demandSpikes':
        needElecMeter(f.meter, 'meter');
        if ((f.minutes * 60) % tickS !== 0)
          issues.push(`${p}.minutes: expected a multiple of the tick (${tickS} s), got ${f.minutes} min`);
        break;
      case 'meterFreeze':
        if (!meters.has(f.meter)) issues.push(`${p}.meter: unknown meter "${f.meter}"`);
        break;
      case 'meterDropout':
      case 'badQuality':
        if (!deviceIds.has(f.device)) issues.push(`${p}.device: unknown device "${f.device}"`);
        break;
    }
  });
  if (s.clock.start !== undefined && Date.parse(s.clock.start) % (tickS * 1000) !== 0) {
    issues.push(`clock.start: expected a time on a ${tickS} s tick boundary`);
  }
  return issues;
}
