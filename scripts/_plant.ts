import { randomPlant, withRandomFaults } from '@xiang/simulators';
const p = withRandomFaults(randomPlant(Number(process.argv[2]), { days: 14 }));
const id = process.argv[3];
console.log(JSON.stringify(p.scenario.meters.filter((m) => !id || m.id === id || m.loads.includes(id)), null, 0));
console.log(JSON.stringify(p.scenario.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines)).filter((m) => !id || id.includes(m.id)), null, 0));
