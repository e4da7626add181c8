/** The simulator's DL/T 645-2007 face (see simulators/README.md "Field buses"). */
export { bcdBytes, bcdPrecision, SIM_ITEMS, type SimItem } from './items.js';
export type { LineFaults, LineStats } from './line.js';
export { assignAddresses, type Dlt645Faults, type SimDlt645Meter } from './meters.js';
export { type Dlt645Simulator, type Dlt645SimulatorOptions, startDlt645Simulator } from './server.js';
