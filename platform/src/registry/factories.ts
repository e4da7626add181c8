import type { z } from 'zod';
import type { Db } from './db.js';
import { type FactoryProfile, factoryProfileSchema, type LineSettings, lineSettingsSchema } from './model.js';

/**
 * Creates the factory with a default profile if it does not exist; never overwrites. Called by an admin's
 * request, or by a birth when `ingest.autoRegisterFactories` is on.
 */
export function ensureFactoryRow(db: Db, factoryId: string, nowMs: number): void {
  const profile = factoryProfileSchema.parse({ id: factoryId });
  db.prepare(
    'INSERT INTO factories (id, profile, createdAtMs, updatedAtMs) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  ).run(factoryId, JSON.stringify(profile), nowMs, nowMs);
}

export function factoryExists(db: Db, factoryId: string): boolean {
  return db.prepare('SELECT 1 FROM factories WHERE id = ?').get(factoryId) !== undefined;
}

/** Creates a factory (admin): false when it already exists (nothing is changed then). */
export function createFactory(db: Db, profile: z.input<typeof factoryProfileSchema>, nowMs: number): boolean {
  const valid = factoryProfileSchema.parse(profile);
  return (
    db
      .prepare(
        'INSERT INTO factories (id, profile, createdAtMs, updatedAtMs) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      )
      .run(valid.id, JSON.stringify(valid), nowMs, nowMs).changes > 0
  );
}

function parseProfile(raw: string, id: string): FactoryProfile {
  // Stored profiles were validated on write; re-parse so that fields added to the schema get their defaults.
  const r = factoryProfileSchema.safeParse(JSON.parse(raw));
  return r.success ? r.data : factoryProfileSchema.parse({ id });
}

export function getFactory(db: Db, factoryId: string): FactoryProfile | undefined {
  const row = db.prepare('SELECT profile FROM factories WHERE id = ?').get(factoryId) as
    | { profile: string }
    | undefined;
  return row ? parseProfile(row.profile, factoryId) : undefined;
}

export function listFactories(db: Db): FactoryProfile[] {
  const rows = db.prepare('SELECT id, profile FROM factories ORDER BY id').all() as {
    id: string;
    profile: string;
  }[];
  return rows.map((r) => parseProfile(r.profile, r.id));
}

/** Replaces the person-entered profile (the id is the key and cannot change). */
export function putFactory(db: Db, profile: FactoryProfile, nowMs: number): { created: boolean } {
  const valid = factoryProfileSchema.parse(profile);
  const existed = db.prepare('SELECT 1 FROM factories WHERE id = ?').get(valid.id) !== undefined;
  db.prepare(
    `INSERT INTO factories (id, profile, createdAtMs, updatedAtMs) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updatedAtMs = excluded.updatedAtMs`,
  ).run(valid.id, JSON.stringify(valid), nowMs, nowMs);
  return { created: !existed };
}

export function listLines(db: Db, factoryId: string): LineSettings[] {
  const rows = db
    .prepare('SELECT settings FROM line_settings WHERE factoryId = ? ORDER BY path')
    .all(factoryId) as {
    settings: string;
  }[];
  return rows.map((r) => lineSettingsSchema.parse(JSON.parse(r.settings)));
}

export function putLine(db: Db, settings: LineSettings): void {
  const valid = lineSettingsSchema.parse(settings);
  db.prepare(
    `INSERT INTO line_settings (factoryId, path, settings) VALUES (?, ?, ?)
     ON CONFLICT (factoryId, path) DO UPDATE SET settings = excluded.settings`,
  ).run(valid.factoryId, valid.path, JSON.stringify(valid));
}

export function deleteLine(db: Db, factoryId: string, path: string): boolean {
  return (
    db.prepare('DELETE FROM line_settings WHERE factoryId = ? AND path = ?').run(factoryId, path).changes > 0
  );
}
