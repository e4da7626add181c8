/**
 * Translates the SQL the repositories are written in (SQLite's dialect, as better-sqlite3 runs it) into
 * PostgreSQL's, for the small subset they use: `?` and `@name` parameters, camelCase column names (quoted, so
 * that PostgreSQL keeps their case), SQLite column types in DDL, `INSERT OR IGNORE`, two-argument MAX/MIN,
 * `json_extract(x, '$.key')`, `rowid`, `PRAGMA table_info(t)`. Anything else passes through unchanged, and a
 * construct with no faithful translation (`INSERT OR REPLACE`) is refused with its text rather than guessed.
 * Pure: the conformance suite (repository/conformance.ts) checks that both engines answer alike.
 */

type Segment = { code: boolean; text: string };

/** Splits SQL into code and non-code (string literals, quoted identifiers, comments) segments. */
function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  const flush = () => {
    if (code) out.push({ code: true, text: code });
    code = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      flush();
      out.push({ code: false, text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? sql.length : j;
      flush();
      out.push({ code: false, text: sql.slice(i, end) });
      i = end;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

const CAMEL = /^[a-z_][a-z0-9_]*[A-Z][A-Za-z0-9_]*$/;

export type Translated = { text: string; values: unknown[] };

/** Replaces parameters by $n, reading positional values in order and named ones from the object. */
function bindParameters(parts: Segment[], params: unknown[]): { parts: Segment[]; values: unknown[] } {
  const named =
    params.length === 1 &&
    params[0] !== null &&
    typeof params[0] === 'object' &&
    !Buffer.isBuffer(params[0]) &&
    !Array.isArray(params[0])
      ? (params[0] as Record<string, unknown>)
      : null;
  const positional = named ? [] : params.flat();
  const values: unknown[] = [];
  const byName = new Map<string, number>();
  let next = 0;
  const mapped = parts.map((p) => {
    if (!p.code) return p;
    const text = p.text.replace(/\?|[@:$]([A-Za-z_][A-Za-z0-9_]*)/g, (m, name: string | undefined) => {
      if (m === '?') {
        if (next >= positional.length) throw new Error('too few parameters for the statement');
        values.push(bind(positional[next++]));
        return `$${values.length}`;
      }
      if (m.startsWith(':') && name === undefined) return m;
      if (!named || name === undefined || !(name in named)) {
        if (m.startsWith('$')) return m; // already PostgreSQL's own
        throw new Error(`missing named parameter ${m}`);
      }
      let n = byName.get(name);
      if (n === undefined) {
        values.push(bind(named[name]));
        n = values.length;
        byName.set(name, n);
      }
      return `$${n}`;
    });
    return { code: true, text };
  });
  if (!named && next !== positional.length)
    throw new Error(`too many parameters: ${positional.length} given, ${next} used`);
  return { parts: mapped, values };
}

function bind(v: unknown): unknown {
  if (v === undefined) throw new TypeError('undefined cannot be bound (use null)');
  if (typeof v === 'boolean') throw new TypeError('booleans cannot be bound (SQLite stores 0/1)');
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** MAX(a, b, …) / MIN(a, b, …) with more than one argument are SQLite's scalar forms: GREATEST / LEAST. */
function scalarMinMax(sql: string): string {
  let out = '';
  let i = 0;
  const re = /\b(max|min)\s*\(/gi;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let commas = 0;
    for (let j = open; j < sql.length; j++) {
      if (sql[j] === '(') depth++;
      else if (sql[j] === ')') {
        depth--;
        if (depth === 0) break;
      } else if (sql[j] === ',' && depth === 1) commas++;
    }
    if (commas > 0) {
      out += sql.slice(i, m.index) + (m[1]!.toLowerCase() === 'max' ? 'GREATEST(' : 'LEAST(');
      i = open + 1;
    }
  }
  return out + sql.slice(i);
}

function ddlTypes(sql: string): string {
  return (
    sql
      .replace(/\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b/gi, 'BIGSERIAL PRIMARY KEY')
      .replace(/\bINTEGER\b/gi, 'BIGINT')
      .replace(/\bREAL\b/gi, 'DOUBLE PRECISION')
      .replace(/\bBLOB\b/gi, 'BYTEA')
      .replace(/\)\s*WITHOUT\s+ROWID/gi, ')')
      // Migrations check PRAGMA table_info, then add: two instances starting together both add. Idempotent here.
      .replace(/\bADD\s+COLUMN\s+(?!IF\s+NOT\s+EXISTS\b)/gi, 'ADD COLUMN IF NOT EXISTS ')
  );
}

/** Serial (auto-increment) columns declared by CREATE TABLE statements: table → column. */
export function serialColumns(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(\s*(\w+)\s+INTEGER\s+PRIMARY\s+KEY/gi;
  for (let m = re.exec(sql); m; m = re.exec(sql)) out.set(m[1]!.toLowerCase(), m[2]!);
  return out;
}

export function translate(sql: string, params: unknown[] = []): Translated {
  const pragma = /^\s*PRAGMA\s+table_info\s*\(\s*['"]?(\w+)['"]?\s*\)\s*;?\s*$/i.exec(sql);
  if (pragma)
    return {
      text: `SELECT column_name AS name FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      values: [pragma[1]!.toLowerCase()],
    };
  if (/^\s*PRAGMA\b/i.test(sql)) return { text: 'SELECT 1 WHERE false', values: [] };
  if (/\bINSERT\s+OR\s+REPLACE\b/i.test(sql))
    throw new Error(`INSERT OR REPLACE has no faithful PostgreSQL translation here: ${sql.slice(0, 120)}`);
  const bound = bindParameters(segments(sql), params);
  const ddl = /\b(CREATE\s+TABLE|ALTER\s+TABLE)\b/i.test(sql);
  let ignore = false;
  const parts = bound.parts.map((p, k) => {
    if (!p.code) {
      // json_extract(x, '$.key'): the path literal becomes the key.
      const prev = bound.parts[k - 1];
      if (prev?.code && /json_extract\s*\([^()]*,\s*$/i.test(prev.text) && /^'\$\.\w+'$/.test(p.text))
        return `'${p.text.slice(3, -1)}'`;
      return p.text;
    }
    let t = p.text;
    if (/\bINSERT\s+OR\s+IGNORE\b/i.test(t)) {
      ignore = true;
      t = t.replace(/\bINSERT\s+OR\s+IGNORE\b/gi, 'INSERT');
    }
    if (ddl) t = ddlTypes(t);
    t = t.replace(/\browid\b/gi, 'ctid');
    t = t.replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, (w) => (CAMEL.test(w) ? `"${w}"` : w));
    return t;
  });
  let text = scalarMinMax(parts.join(''));
  // json_extract(x, 'key') → ((x)::jsonb ->> 'key')
  text = text.replace(/json_extract\s*\(([^(),]+),\s*('\w+')\s*\)/gi, '(($1)::jsonb ->> $2)');
  if (ignore) text = `${text.replace(/;\s*$/, '')} ON CONFLICT DO NOTHING`;
  return { text, values: bound.values };
}
