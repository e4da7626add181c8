import type { Scenario } from '../scenario/schema.js';
import { CalendarCursor, type SegmentAt } from './calendar-cursor.js';

/**
 * Which calendar segment each part of the plant is in: the plant calendar, a workshop's own calendar when it
 * has one, and production wherever a workshop works overtime (production outside its calendar). Meters and
 * machines follow the workshop of their asset path ("WS1/…"); factory-level ones follow the plant.
 */
export class PlantSegments {
  private readonly plant: CalendarCursor;
  private readonly own = new Map<string, CalendarCursor>();
  private readonly overtime = new Map<string, { from: number; to: number }[]>();
  private readonly current = new Map<string, SegmentAt>();
  plantNow: SegmentAt = { kind: 'offShift', startMs: 0, endMs: 0 };

  constructor(s: Scenario) {
    this.plant = new CalendarCursor(s.calendar);
    for (const w of s.workshops) {
      if (w.calendar) this.own.set(w.id, new CalendarCursor(w.calendar));
      if (w.overtime.length)
        this.overtime.set(
          w.id,
          w.overtime.map((o) => ({ from: Date.parse(o.from), to: Date.parse(o.to) })),
        );
    }
  }

  /** Computes every workshop's segment at t (once per tick). */
  advance(t: number, workshopIds: readonly string[]): void {
    this.plantNow = this.plant.at(t);
    for (const id of workshopIds) {
      const cal = this.own.get(id)?.at(t) ?? this.plantNow;
      const ot = this.overtime.get(id)?.find((o) => t >= o.from && t < o.to);
      this.current.set(
        id,
        ot && cal.kind !== 'production' ? { kind: 'production', startMs: ot.from, endMs: ot.to } : cal,
      );
    }
  }

  /** Segment of the workshop an asset path belongs to ("" or an unknown workshop: the plant's). */
  of(assetPath: string): SegmentAt {
    let ws = this.wsOf.get(assetPath);
    if (ws === undefined) {
      ws = assetPath.split('/')[0] ?? '';
      this.wsOf.set(assetPath, ws);
    }
    return this.current.get(ws) ?? this.plantNow;
  }
  private readonly wsOf = new Map<string, string>();

  /** Production somewhere in the plant (own calendars and overtime included). */
  anyProduction(): boolean {
    if (this.plantNow.kind === 'production') return true;
    for (const s of this.current.values()) if (s.kind === 'production') return true;
    return false;
  }
}
