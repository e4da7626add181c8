import { defineConfig } from 'vitest/config';

// Two projects: fast pure unit tests next to the code, and integration suites that talk to real
// Mosquitto / InfluxDB / node-opcua servers (spawned by tests/harness). `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{protocol,simulators,edge-agent,platform}/src/**/*.test.ts',
            'tests/unit/**/*.test.ts',
            'tests/oracles/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            '{protocol,simulators,edge-agent,platform}/src/**/*.int.test.ts',
            'tests/**/*.int.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // 2-core CI: integration suites each spawn servers; run two files at a time at most.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
