import type { CheckResult } from '../types.js';
import { devicePoints } from './points.js';
import { classifyError } from './quality.js';
import { readItem } from './read.js';
import type { Dlt645SourceConfig } from './schema.js';
import { type Dlt645Link, describeConnection, StreamLink } from './transport.js';

/** `xiang-edge check`: opens the line, reads every data item of every meter once; one row per meter. */
export async function checkDlt645(s: Dlt645SourceConfig, link?: Dlt645Link): Promise<CheckResult[]> {
  const line = `dlt645 ${s.name} ${describeConnection(s.connection)}`;
  const l = link ?? new StreamLink(s.connection);
  try {
    await l.open();
  } catch (e) {
    return [{ target: line, ok: false, detail: e instanceof Error ? e.message : String(e) }];
  }
  const out: CheckResult[] = [];
  try {
    for (const d of s.devices) {
      const target = `${line} meter ${d.address} (${d.deviceId})`;
      const points = devicePoints(d);
      if (typeof points === 'string') {
        out.push({ target, ok: false, detail: points });
        continue;
      }
      const read: string[] = [];
      const bad: string[] = [];
      for (const p of points) {
        try {
          read.push(`${p.key}=${await readItem(l, d.address, p, d.timeoutMs ?? s.timeoutMs, s.preamble)}`);
        } catch (e) {
          const f = classifyError(e);
          if (f.kind !== 'exception') l.discardPending();
          bad.push(`${p.key} (DI ${p.di}): ${f.detail}`);
          // A meter that does not answer at all is not asked for every item.
          if (f.kind === 'timeout' || f.kind === 'notConnected') break;
        }
      }
      out.push(
        bad.length === 0
          ? { target, ok: true, detail: `${read.length} items read (${read.slice(0, 3).join(', ')})` }
          : {
              target,
              ok: false,
              detail: `${bad.length} item(s) unusable: ${bad.slice(0, 4).join('; ')}${bad.length > 4 ? '; …' : ''}`,
            },
      );
    }
  } finally {
    await l.close();
  }
  return out;
}
