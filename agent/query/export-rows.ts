import type { Db } from '../store/db.ts';
import type { Cell, Table } from './format.ts';

/** Every column of the experiments of one session (or all, sessionId null), oldest first: the log as data. */
export function experimentsTable(db: Db, sessionId: number | null): Table {
  const stmt = db.prepare(`SELECT * FROM experiments ${sessionId === null ? '' : 'WHERE session_id = ?'} ORDER BY id`).raw(true);
  const rows = (sessionId === null ? stmt.all() : stmt.all(sessionId)) as Cell[][];
  return { columns: stmt.columns().map((c) => ({ name: c.name })), rows };
}
