import type { Logger } from 'pino';
import { statusTimer } from '../fieldbus/cli.js';
import type { Scenario } from '../scenario/schema.js';
import { startDlt645Simulator } from './server.js';

export const DLT645_HELP = `xiang-sim dlt645 --scenario F [--gateway-port P] [--serial /dev/pts/N] [--speed S] [--start ISO]
                 [--address A ...] [--dead-address A ...] [--slow-address A:ms ...] [--checksum-error-rate r]
                 [--no-faults]

DL/T 645-2007 电能表：场景中的电表作为 DL/T 645 电表挂在一条 RS-485 总线上（第 i 块表地址 0000000000ii，
或按 --address 依次指定），经 TCP 透传网关或串口（socat pty）访问；可注入死表、慢表和校验和错误。
The scenario's electricity meters as DL/T 645-2007 meters on one RS-485 line (meter i has address
0000000000ii, or the --address values in turn) behind a transparent TCP gateway and/or on a serial port (one end
of a socat pty pair); dead meters, slow meters and checksum errors on demand. Same ground truth as the other
simulators. Ctrl-C stops it.

Examples:
  npx xiang-sim dlt645 --scenario tiny --gateway-port 8899
  npx xiang-sim dlt645 --scenario tiny --gateway-port 8899 --dead-address 000000000003 --checksum-error-rate 0.01`;

export type Dlt645CliValues = {
  'gateway-port'?: string;
  serial?: string;
  address?: string[];
  'dead-address'?: string[];
  'slow-address'?: string[];
  'checksum-error-rate'?: string;
};

const ADDRESS = /^[0-9]{12}$/;

/** `xiang-sim dlt645`: validates its options (throws a message for the usage line) and runs until stopped. */
export async function runDlt645(
  o: Dlt645CliValues,
  common: { scenario: Scenario; speed?: number; startMs?: number; faults?: false; log: Logger },
  usage: (msg: string) => Error,
): Promise<() => Promise<void>> {
  const gatewayPort = o['gateway-port'] === undefined ? undefined : Number(o['gateway-port']);
  if (
    gatewayPort !== undefined &&
    !(Number.isInteger(gatewayPort) && gatewayPort >= 0 && gatewayPort < 65536)
  )
    throw usage(`--gateway-port: invalid value "${o['gateway-port']}"`);
  if (gatewayPort === undefined && !o.serial) throw usage('dlt645: give --gateway-port and/or --serial');
  for (const a of [...(o.address ?? []), ...(o['dead-address'] ?? [])])
    if (!ADDRESS.test(a)) throw usage(`expected a 12-digit meter address, got "${a}"`);
  const rate = o['checksum-error-rate'] === undefined ? undefined : Number(o['checksum-error-rate']);
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw usage(`--checksum-error-rate: invalid value "${o['checksum-error-rate']}"`);
  const slow: Record<string, number> = {};
  for (const s of o['slow-address'] ?? []) {
    const m = /^([0-9]{12}):(\d+)$/.exec(s);
    if (!m) throw usage(`--slow-address: expected address:ms, got "${s}"`);
    slow[m[1]!] = Number(m[2]);
  }
  const srv = await startDlt645Simulator({
    scenario: common.scenario,
    ...(common.speed !== undefined ? { speed: common.speed } : {}),
    ...(common.startMs !== undefined ? { startMs: common.startMs } : {}),
    ...(common.faults === false ? { faults: false } : {}),
    ...(gatewayPort !== undefined ? { gatewayPort } : {}),
    ...(o.serial ? { serialPath: o.serial } : {}),
    ...(o.address?.length ? { addresses: o.address } : {}),
    meterFaults: { deadAddresses: o['dead-address'] ?? [], slowAddresses: slow },
    ...(rate !== undefined ? { lineFaults: { checksumErrorRate: rate } } : {}),
    logger: common.log,
  });
  const stopStatus = statusTimer(common.log, () => ({
    virtualTime: new Date(srv.sim.nowMs).toISOString(),
    ...srv.line.stats,
    ...srv.stats,
  }));
  return async () => {
    stopStatus();
    await srv.close();
  };
}
