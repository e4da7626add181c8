import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The data directory holds the registry, token hashes, the operator's admin-token copy and every factory's
 * history: nobody but the platform's user reads it. Directories 0700, files 0600 — also when an older version
 * created them wider. SQLite gives its -wal/-shm files the database file's mode, so creating the database
 * file 0600 before it is opened covers those too.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
const MAX_ENTRIES = 100_000;
const MAX_DEPTH = 4;

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty with mode 0600 when missing (an empty file is a valid empty SQLite database). */
export function ensurePrivateFile(file: string): void {
  if (!existsSync(file)) writeFileSync(file, '', { mode: PRIVATE_FILE_MODE, flag: 'a' });
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** Tightens every directory and regular file under `dir` (bounded in depth and count; symlinks untouched). */
export function tightenTree(dir: string): void {
  let seen = 0;
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d)) {
      if (++seen > MAX_ENTRIES) return;
      const p = path.join(d, name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue; // removed meanwhile
      if (st.isDirectory()) {
        chmodSync(p, PRIVATE_DIR_MODE);
        if (depth < MAX_DEPTH) walk(p, depth + 1);
      } else if (st.isFile() && (st.mode & 0o077) !== 0) {
        chmodSync(p, PRIVATE_FILE_MODE);
      }
    }
  };
  ensurePrivateDir(dir);
  walk(dir, 1);
}
