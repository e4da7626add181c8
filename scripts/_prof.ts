import { randomPlant, Simulation, withRandomFaults } from '@xiang/simulators';
const p = withRandomFaults(randomPlant(1, { days: 7 }));
const sim = new Simulation(p.scenario, { historyDays: 8 });
const t0 = Date.now();
for (let k = 0; k < 7 * 1440; k++) sim.step();
console.log('sim only', Date.now() - t0, 'ms', sim.catalog.metrics.length, 'metrics');
