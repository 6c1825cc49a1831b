/** What a reader polling the log asks to learn whether anything it shows has moved. */
import type { Db } from './db.ts';

/** SQLite's counter of commits by other connections: unchanged means nobody wrote since the last look. */
export function dataVersion(db: Db): number {
  return db.pragma('data_version', { simple: true }) as number;
}

/**
 * Changes whenever a row the dashboard shows changes (a new row, a status, a verdict, tokens, where a run is) or
 * an LLM turn is logged, so the rows are re-read only then, not on every flush of step metrics.
 */
export function rowsFingerprint(db: Db, sessionId: number): string {
  const { rows } = db
    .prepare(
      `SELECT COUNT(*) || ':' || COALESCE(GROUP_CONCAT(id || status || COALESCE(decision, '') || tokens_out || COALESCE(node, '') || COALESCE(gpus, ''), ','), '') || ':' ||
         (SELECT COUNT(*) FROM llm_turns WHERE session_id = @id) AS rows
       FROM experiments WHERE session_id = @id`,
    )
    .get({ id: sessionId }) as { rows: string };
  return rows;
}
