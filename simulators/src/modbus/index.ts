/** The simulator's Modbus face (see simulators/README.md "Field buses"). */

export { type PtyPair, socatAvailable, startPtyPair } from '../fieldbus/pty.js';
export type { BusFaults, FramingStats, LineSpeed } from './framing.js';
export { encodeValue, MODEL_NAMES, MODELS, type RegisterDef, registerPrecision } from './models.js';
export { type ModbusSimulator, type ModbusSimulatorOptions, startModbusSimulator } from './server.js';
export { assignMeters, type ModbusFaults, type SimMeter } from './slaves.js';
