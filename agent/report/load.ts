import type { Db } from '../store/db.ts';
import type { ExperimentRow } from '../store/types.ts';

/**
 * A session's rows, oldest first, without their diffs: the report and results.tsv never show
 * them, and a diff is most of a row (not naming the column spares SQLite its overflow pages).
 */
export function reportRows(db: Db, sessionId: number): ExperimentRow[] {
  const columns = (db.prepare('PRAGMA table_info(experiments)').all() as { name: string }[])
    .map((c) => c.name)
    .filter((name) => name !== 'diff');
  return db
    .prepare(`SELECT ${columns.join(', ')}, '' AS diff FROM experiments WHERE session_id = ? ORDER BY id`)
    .all(sessionId) as ExperimentRow[];
}
