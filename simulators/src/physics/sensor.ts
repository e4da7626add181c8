import type { z } from 'zod';
import type { sensorSchema } from '../scenario/schema.js';
import type { Rng } from './prng.js';

/** An environment sensor: a daily temperature swing peaking mid-afternoon, humidity moving the other way. */
export class SensorSim {
  temperatureC = 0;
  humidityPct = 0;
  constructor(
    readonly spec: z.infer<typeof sensorSchema>,
    private readonly rng: Rng,
  ) {}
  step(localHourFraction: number): void {
    const phase = Math.sin((2 * Math.PI * (localHourFraction - 9)) / 24);
    this.temperatureC =
      Math.round((this.spec.meanTemperatureC + this.spec.swingC * phase + 0.2 * this.rng.noise()) * 100) /
      100;
    this.humidityPct =
      Math.round(Math.min(98, Math.max(5, 62 - 12 * phase + 1.5 * this.rng.noise())) * 100) / 100;
  }
}
