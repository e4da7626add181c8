import { Counter, type Registry } from 'prom-client';
import type { Repository } from './types.js';

type Stats = NonNullable<ReturnType<NonNullable<Repository['stats']>>>;

/** Each counter: its name, help, and what it counts from the engine's running totals. */
const COUNTERS: { name: string; help: string; of: (s: Stats) => number }[] = [
  {
    name: 'xiang_repository_round_trips_total',
    help: 'Round trips to the repository server through the synchronous bridge',
    of: (s) => s.roundTrips,
  },
  {
    name: 'xiang_repository_blocked_seconds_total',
    help: 'Seconds the event loop was blocked waiting for repository round trips',
    of: (s) => s.blockedMs / 1000,
  },
  {
    name: 'xiang_repository_begin_blocked_seconds_total',
    help: 'Of those, seconds blocked on BEGIN and the transaction locks (waiting for other writers)',
    of: (s) => s.beginMs / 1000,
  },
];

/**
 * `/metrics` for an engine behind a synchronous bridge: round trips and the seconds the event loop stood
 * still waiting for them (nothing is registered for engines without one, e.g. embedded SQLite).
 */
export function registerRepositoryMetrics(repo: Repository, registry: Registry): void {
  const stats = repo.stats?.bind(repo);
  if (!stats) return;
  for (const c of COUNTERS) {
    let counted = 0;
    new Counter({
      name: c.name,
      help: c.help,
      registers: [registry],
      collect() {
        const now = c.of(stats());
        this.inc(now - counted);
        counted = now;
      },
    });
  }
}
