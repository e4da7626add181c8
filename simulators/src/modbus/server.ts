import type { Logger } from 'pino';
import { LiveClock } from '../clock.js';
import { type Endpoint, listenTcp, openSerial } from '../fieldbus/endpoints.js';
import { GroundTruth } from '../ground-truth.js';
import { Simulation } from '../physics/simulation.js';
import type { Scenario } from '../scenario/schema.js';
import { type BusFaults, type FramingStats, type LineSpeed, mbapHandler, rtuHandler } from './framing.js';
import { assignMeters, type ModbusFaults, ModbusSlaves, type SimMeter } from './slaves.js';

export type ModbusSimulatorOptions = {
  scenario: Scenario;
  /** Share a simulation with other faces; default: a new one. */
  simulation?: Simulation;
  /** Simulated seconds per real second; `false` = step the simulation yourself. */
  speed?: number | false;
  startMs?: number;
  faults?: boolean;
  /** Modbus TCP (MBAP) listener, the meters as unit ids behind one address (0 = any free port). */
  tcpPort?: number;
  /** RTU-over-TCP listener: a transparent serial-to-TCP gateway in front of the RS-485 line. */
  gatewayPort?: number;
  /** One end of a pty pair (or a serial device): the RS-485 line itself. */
  serialPath?: string;
  meters?: SimMeter[];
  slaveFaults?: ModbusFaults;
  /** Line faults of the RTU faces (CRC errors). */
  busFaults?: BusFaults;
  /** Serial line speed the RTU faces emulate (answers delayed by their wire time); default: unthrottled. */
  lineSpeed?: LineSpeed;
  logger?: Logger;
};

export type ModbusSimulator = {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly clock: LiveClock | null;
  readonly meters: SimMeter[];
  readonly tcpPort: number | null;
  readonly gatewayPort: number | null;
  readonly slaves: ModbusSlaves;
  readonly framing: FramingStats;
  close(): Promise<void>;
};

/** The scenario's electricity meters as Modbus slaves on TCP, behind a TCP gateway and/or on a serial line. */
export async function startModbusSimulator(o: ModbusSimulatorOptions): Promise<ModbusSimulator> {
  const sim =
    o.simulation ??
    new Simulation(o.scenario, {
      ...(o.startMs !== undefined ? { startMs: o.startMs } : {}),
      ...(o.faults === false ? { faults: false } : {}),
    });
  if (!sim.current) sim.step();
  const meters = o.meters ?? assignMeters(sim);
  const slaves = new ModbusSlaves(sim, meters, o.slaveFaults);
  const framing: FramingStats = { framesIn: 0, badCrcIn: 0, crcCorrupted: 0 };
  const endpoints: Endpoint[] = [];
  let tcpPort: number | null = null;
  let gatewayPort: number | null = null;
  try {
    if (o.tcpPort !== undefined) {
      const e = await listenTcp(o.tcpPort, mbapHandler(slaves, framing));
      tcpPort = e.port;
      endpoints.push(e);
    }
    if (o.gatewayPort !== undefined) {
      const e = await listenTcp(o.gatewayPort, rtuHandler(slaves, framing, o.busFaults, o.lineSpeed));
      gatewayPort = e.port;
      endpoints.push(e);
    }
    if (o.serialPath)
      endpoints.push(openSerial(o.serialPath, rtuHandler(slaves, framing, o.busFaults, o.lineSpeed)));
  } catch (e) {
    for (const x of endpoints) await x.close();
    slaves.close();
    throw e;
  }
  const clock = o.speed === false ? null : new LiveClock(sim, { speed: o.speed ?? o.scenario.clock.speed });
  clock?.start();
  o.logger?.info(
    {
      endpoints: endpoints.map((e) => e.description),
      meters: meters.map((m) => `${m.unit}:${m.deviceId}/${m.model}`),
    },
    'modbus simulator listening',
  );
  return {
    sim,
    truth: new GroundTruth(sim),
    clock,
    meters,
    tcpPort,
    gatewayPort,
    slaves,
    framing,
    close: async () => {
      clock?.stop();
      slaves.close();
      for (const e of endpoints) await e.close();
    },
  };
}
