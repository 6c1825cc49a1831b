/** What the dashboard reads from the log: cheap queries, so polling twice a second costs little. */
import { styleText } from 'node:util';
import { experimentDetail } from '../../query/experiment-detail.ts';
import { showText } from '../../query/show-text.ts';
import { reportRows } from '../../report/load.ts';
import type { Db } from '../../store/db.ts';
import type { StepMetrics } from '../../store/metrics.ts';
import type { SessionRow } from '../../store/types.ts';
import { logView, type LlmTotals, type LogView } from './view-model.ts';

export function latestSession(db: Db): SessionRow | undefined {
  return db.prepare('SELECT * FROM sessions ORDER BY id DESC LIMIT 1').get() as SessionRow | undefined;
}

export function llmTotals(db: Db, sessionId: number): LlmTotals {
  return db
    .prepare(
      `SELECT COUNT(*) AS turns, COUNT(error) AS errors,
         COALESCE(SUM(input_tokens + cache_read_tokens + cache_write_tokens), 0) AS tokensIn,
         COALESCE(SUM(output_tokens), 0) AS tokensOut, COALESCE(SUM(cost_usd), 0) AS costUsd,
         COUNT(*) - COUNT(experiment_id) AS pendingTurns
       FROM llm_turns WHERE session_id = ?`,
    )
    .get(sessionId) as LlmTotals;
}

/** The session's rows as the dashboard sees them (no diffs: the detail view reads one when asked). */
export function readLogView(db: Db, session: SessionRow): LogView {
  return logView(session, reportRows(db, session.id), llmTotals(db, session.id));
}

/**
 * Changes whenever a row the dashboard shows changes (a new row, a status, a verdict, tokens) or
 * an LLM turn is logged, so the rows are re-read only then, not on every flush of step metrics.
 */
export function rowsFingerprint(db: Db, sessionId: number): string {
  const { rows } = db
    .prepare(
      `SELECT COUNT(*) || ':' || COALESCE(GROUP_CONCAT(id || status || COALESCE(decision, '') || tokens_out, ','), '') || ':' ||
         (SELECT COUNT(*) FROM llm_turns WHERE session_id = @id) AS rows
       FROM experiments WHERE session_id = @id`,
    )
    .get({ id: sessionId }) as { rows: string };
  return rows;
}

/** Step metrics of one run after `afterStep`, regrouped from the metrics table's one row per name. */
export function stepsSince(db: Db, experimentId: number, afterStep: number): StepMetrics[] {
  const rows = db
    .prepare('SELECT step, name, value, elapsed_s FROM metrics WHERE experiment_id = ? AND step > ? ORDER BY step')
    .raw(true)
    .all(experimentId, afterStep) as [number, string, number | null, number | null][];
  const steps: StepMetrics[] = [];
  for (const [step, name, value, elapsed] of rows) {
    let last = steps.at(-1);
    if (last?.step !== step) steps.push((last = { step, elapsed_s: elapsed, values: {} }));
    last.values[name] = value;
  }
  return steps;
}

/** `nightshift show`'s text of one experiment (diff, runs, decision, log tail), line by line. */
export function detailLines(db: Db, id: number, colour: boolean): string[] {
  const paint = colour ? (c: Parameters<typeof styleText>[0], text: string) => styleText(c, text) : undefined;
  return showText(experimentDetail(db, id), { paint, tail: 40 }).trimEnd().split('\n');
}
