export { checkPlant, type FaultCheck, type PlantCheck, type ResultLike } from './check.js';
export { type InjectedPlant, type Stated, withRandomFaults } from './faults.js';
export { type RandomPlant, randomPlant, type Trap } from './generate.js';
