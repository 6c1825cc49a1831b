import type { Statement } from 'better-sqlite3';

/** One value of a query result, as better-sqlite3 returns it. */
export type Cell = string | number | bigint | Buffer | null;

/** Rows as SQLite returns them, with its column names: the log as data, for `log`, `export` and `sql`. */
export interface RawTable {
  columns: string[];
  rows: Cell[][];
}

export function rawTable(stmt: Statement, ...params: unknown[]): RawTable {
  const rows = stmt.raw(true).all(...params) as Cell[][];
  return { columns: stmt.columns().map((c) => c.name), rows };
}
