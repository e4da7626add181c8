import type { Logger } from 'pino';
import { LiveClock } from '../clock.js';
import { type Endpoint, listenTcp, openSerial } from '../fieldbus/endpoints.js';
import { GroundTruth } from '../ground-truth.js';
import { Simulation } from '../physics/simulation.js';
import type { Scenario } from '../scenario/schema.js';
import { type LineFaults, type LineStats, lineHandler } from './line.js';
import { assignAddresses, type Dlt645Faults, Dlt645Meters, type SimDlt645Meter } from './meters.js';

export type Dlt645SimulatorOptions = {
  scenario: Scenario;
  /** Share a simulation with other faces; default: a new one. */
  simulation?: Simulation;
  /** Simulated seconds per real second; `false` = step the simulation yourself. */
  speed?: number | false;
  startMs?: number;
  faults?: boolean;
  /** A transparent serial-to-TCP gateway in front of the RS-485 line (0 = any free port). */
  gatewayPort?: number;
  /** One end of a pty pair (or a serial device): the RS-485 line itself. */
  serialPath?: string;
  meters?: SimDlt645Meter[];
  /** Addresses of the meters in turn (default 0000000000ii for meter i). */
  addresses?: string[];
  meterFaults?: Dlt645Faults;
  lineFaults?: LineFaults;
  logger?: Logger;
};

export type Dlt645Simulator = {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly clock: LiveClock | null;
  readonly meters: SimDlt645Meter[];
  readonly gatewayPort: number | null;
  readonly line: Dlt645Meters;
  readonly stats: LineStats;
  close(): Promise<void>;
};

/** The scenario's electricity meters as DL/T 645-2007 meters behind a TCP gateway and/or on a serial line. */
export async function startDlt645Simulator(o: Dlt645SimulatorOptions): Promise<Dlt645Simulator> {
  const sim =
    o.simulation ??
    new Simulation(o.scenario, {
      ...(o.startMs !== undefined ? { startMs: o.startMs } : {}),
      ...(o.faults === false ? { faults: false } : {}),
    });
  if (!sim.current) sim.step();
  const meters = o.meters ?? assignAddresses(sim, o.addresses);
  const line = new Dlt645Meters(sim, meters, o.meterFaults);
  const stats: LineStats = { framesIn: 0, badFramesIn: 0, checksumCorrupted: 0 };
  const endpoints: Endpoint[] = [];
  let gatewayPort: number | null = null;
  try {
    if (o.gatewayPort !== undefined) {
      const e = await listenTcp(o.gatewayPort, lineHandler(line, stats, o.lineFaults));
      gatewayPort = e.port;
      endpoints.push(e);
    }
    if (o.serialPath) endpoints.push(openSerial(o.serialPath, lineHandler(line, stats, o.lineFaults)));
  } catch (e) {
    for (const x of endpoints) await x.close();
    line.close();
    throw e;
  }
  const clock = o.speed === false ? null : new LiveClock(sim, { speed: o.speed ?? o.scenario.clock.speed });
  clock?.start();
  o.logger?.info(
    {
      endpoints: endpoints.map((e) => e.description),
      meters: meters.map((m) => `${m.address}:${m.deviceId}`),
    },
    'DL/T 645 simulator listening',
  );
  return {
    sim,
    truth: new GroundTruth(sim),
    clock,
    meters,
    gatewayPort,
    line,
    stats,
    close: async () => {
      clock?.stop();
      line.close();
      for (const e of endpoints) await e.close();
    },
  };
}
