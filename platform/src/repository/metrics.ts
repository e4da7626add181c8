import { Counter, type Registry } from 'prom-client';
import type { Repository } from './types.js';

/**
 * `/metrics` for an engine behind a synchronous bridge: round trips and the seconds the event loop stood
 * still waiting for them (nothing is registered for engines without one, e.g. embedded SQLite).
 */
export function registerRepositoryMetrics(repo: Repository, registry: Registry): void {
  const stats = repo.stats?.bind(repo);
  if (!stats) return;
  let trips = 0;
  let blockedMs = 0;
  new Counter({
    name: 'xiang_repository_round_trips_total',
    help: 'Round trips to the repository server through the synchronous bridge',
    registers: [registry],
    collect() {
      const s = stats();
      this.inc(s.roundTrips - trips);
      trips = s.roundTrips;
    },
  });
  let beginMs = 0;
  new Counter({
    name: 'xiang_repository_begin_blocked_seconds_total',
    help: 'Of those, seconds blocked on BEGIN and the transaction locks (waiting for other writers)',
    registers: [registry],
    collect() {
      const s = stats();
      this.inc((s.beginMs - beginMs) / 1000);
      beginMs = s.beginMs;
    },
  });
  new Counter({
    name: 'xiang_repository_blocked_seconds_total',
    help: 'Seconds the event loop was blocked waiting for repository round trips',
    registers: [registry],
    collect() {
      const s = stats();
      this.inc((s.blockedMs - blockedMs) / 1000);
      blockedMs = s.blockedMs;
    },
  });
}
