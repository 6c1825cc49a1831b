import { UserError } from '../errors.ts';
import type { Db } from './db.ts';
import { rawTable, type RawTable } from './raw-table.ts';

/**
 * Runs one user query, read-only by construction: the connection is opened read-only and set
 * query_only, and SQLite itself classifies the statement before it runs (sqlite3_stmt_readonly
 * via better-sqlite3's `stmt.readonly`), so no keyword list can be fooled. ATTACH, DETACH and
 * PRAGMA settings count as read-only to SQLite but return no rows: only row-returning
 * statements are allowed, which refuses them too.
 */
export function readOnlyQuery(db: Db, sql: string): RawTable {
  db.pragma('query_only = ON');
  let stmt: ReturnType<Db['prepare']>;
  try {
    stmt = db.prepare(sql);
  } catch (error) {
    const message = (error as Error).message;
    if (/more than one statement/.test(message)) throw new UserError('sql runs one statement at a time (remove the extra ;-separated statements)');
    throw new UserError(`SQL error: ${message}`);
  }
  if (!stmt.readonly || !stmt.reader)
    throw new UserError(`refused: ${refusal(firstKeyword(sql), stmt.readonly)}; sql runs read-only queries (SELECT, WITH, VALUES, EXPLAIN, reading PRAGMAs)`);
  try {
    return rawTable(stmt);
  } catch (error) {
    throw new UserError(`SQL error: ${(error as Error).message}`);
  }
}

function refusal(verb: string, readonly: boolean): string {
  if (verb === 'ATTACH' || verb === 'DETACH') return `${verb} would open or close another database`;
  if (!readonly) return `${verb} would write to the log`;
  return verb === 'PRAGMA' ? 'PRAGMA settings change the connection' : `${verb} returns no rows`;
}

/** The statement's first word, past comments, for the refusal message. */
function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? 'this statement').toUpperCase();
}
