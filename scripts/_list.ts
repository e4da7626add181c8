import { randomPlant, withRandomFaults } from '@xiang/simulators';
for (let s = 1; s <= 300; s++) {
  const p = withRandomFaults(randomPlant(s, { days: 7 }));
  if (p.scenario.meters.length <= 13 && p.scenario.faults.length >= 4)
    console.log(s, p.scenario.meters.length, p.scenario.calendar.shifts.length, p.scenario.faults.map((f) => f.type).join(','), p.traps.join(','));
}
