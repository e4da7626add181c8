import type { Logger } from 'pino';
import { parseUnitDelays, statusTimer } from '../fieldbus/cli.js';
import { type PtyPair, startPtyPair } from '../fieldbus/pty.js';
import type { Scenario } from '../scenario/schema.js';
import { startModbusSimulator } from './server.js';

export const MODBUS_HELP = `xiang-sim modbus --scenario F [--tcp-port P] [--gateway-port P] [--serial /dev/pts/N | --pty PATH]
                 [--baud B] [--speed S] [--start ISO] [--dead-unit U ...] [--slow-unit U:ms ...]
                 [--crc-error-rate r] [--no-faults]

Modbus 电表：场景中的电表作为 Modbus 从站（第 i 块表 = 从站地址 i+1，型号依次为 SDM630/DTSU666/ADW300），
可选 Modbus TCP、RTU-over-TCP 网关或串口（--pty 自动用 socat 建一对伪终端，代理端在 PATH）；
可注入死站、慢站和 CRC 错误；--baud 模拟串口线速。
The scenario's electricity meters as Modbus slaves (unit i+1 = i-th meter; models SDM630/DTSU666/ADW300 in
turn) on Modbus TCP, an RTU-over-TCP gateway or a serial line: --serial opens a port you give, --pty PATH starts
a socat pty pair and puts the agent's end at PATH. --baud B makes the RTU faces answer at the pace of a B bit/s
8N1 line. Dead units, slow units and CRC errors on demand. Ctrl-C stops it.

Examples:
  npx xiang-sim modbus --scenario tiny --tcp-port 5020
  npx xiang-sim modbus --scenario tiny --gateway-port 5021 --dead-unit 3 --crc-error-rate 0.01
  npx xiang-sim modbus --scenario tiny --pty /tmp/xiang-rs485 --baud 9600`;

export type ModbusCliValues = {
  'tcp-port'?: string;
  'gateway-port'?: string;
  serial?: string;
  pty?: string;
  baud?: string;
  'dead-unit'?: string[];
  'slow-unit'?: string[];
  'crc-error-rate'?: string;
};

function port(v: string | undefined, name: string, usage: (m: string) => Error): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 0 && n < 65536)) throw usage(`--${name}: invalid value "${v}"`);
  return n;
}

/** `xiang-sim modbus`: validates its options (throws a message for the usage line) and runs until stopped. */
export async function runModbus(
  o: ModbusCliValues,
  common: { scenario: Scenario; speed?: number; startMs?: number; faults?: false; log: Logger },
  usage: (msg: string) => Error,
): Promise<() => Promise<void>> {
  const tcpPort = port(o['tcp-port'], 'tcp-port', usage);
  const gatewayPort = port(o['gateway-port'], 'gateway-port', usage);
  if (o.serial && o.pty) throw usage('modbus: give --serial or --pty, not both');
  if (tcpPort === undefined && gatewayPort === undefined && !o.serial && !o.pty)
    throw usage('modbus: give --tcp-port, --gateway-port, --serial and/or --pty');
  const rate = o['crc-error-rate'] === undefined ? undefined : Number(o['crc-error-rate']);
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw usage(`--crc-error-rate: invalid value "${o['crc-error-rate']}"`);
  const baud = o.baud === undefined ? undefined : Number(o.baud);
  if (baud !== undefined && !(Number.isInteger(baud) && baud >= 300 && baud <= 1_000_000))
    throw usage(`--baud: expected a bit rate 300..1000000, got "${o.baud}"`);
  const deadUnits = (o['dead-unit'] ?? []).map((u) => {
    const n = Number(u);
    if (!(Number.isInteger(n) && n >= 0 && n <= 255)) throw usage(`--dead-unit: invalid value "${u}"`);
    return n;
  });
  let slowUnits: Record<number, number>;
  try {
    slowUnits = parseUnitDelays(o['slow-unit'], 'slow-unit');
  } catch (e) {
    throw usage((e as Error).message);
  }
  let pty: PtyPair | null = null;
  if (o.pty) pty = await startPtyPair({ agentPath: o.pty });
  try {
    const srv = await startModbusSimulator({
      scenario: common.scenario,
      ...(common.speed !== undefined ? { speed: common.speed } : {}),
      ...(common.startMs !== undefined ? { startMs: common.startMs } : {}),
      ...(common.faults === false ? { faults: false } : {}),
      ...(tcpPort !== undefined ? { tcpPort } : {}),
      ...(gatewayPort !== undefined ? { gatewayPort } : {}),
      ...(o.serial ? { serialPath: o.serial } : pty ? { serialPath: pty.simPath } : {}),
      slaveFaults: { deadUnits, slowUnits },
      ...(rate !== undefined ? { busFaults: { crcErrorRate: rate } } : {}),
      ...(baud !== undefined ? { lineSpeed: { baudRate: baud, bitsPerChar: 10 } } : {}),
      logger: common.log,
    });
    if (pty)
      common.log.info({ agentEnd: pty.agentPath, socatPid: pty.pid }, 'serial line: open the agent end');
    const stopStatus = statusTimer(common.log, () => ({
      virtualTime: new Date(srv.sim.nowMs).toISOString(),
      ...srv.slaves.stats,
      ...srv.framing,
    }));
    return async () => {
      stopStatus();
      await srv.close();
      await pty?.close();
    };
  } catch (e) {
    await pty?.close();
    throw e;
  }
}
