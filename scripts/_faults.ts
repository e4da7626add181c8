import { randomPlant, withRandomFaults } from '@xiang/simulators';
const p = withRandomFaults(randomPlant(Number(process.argv[2]), { days: 14 }));
console.log(JSON.stringify(p.scenario.faults), JSON.stringify(p.scenario.calendar), new Date(p.startMs).toISOString());
