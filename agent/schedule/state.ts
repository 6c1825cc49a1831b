import { isCandidate, isDecided, isFinished, isHeadRun } from '../session/kinds.ts';
import type { ExperimentRow } from '../store/types.ts';

/**
 * What the loop does next, read from the session's rows (the session's model is agent/session/):
 * deriving it from the log, never from memory, is what makes resume after kill -9 exact.
 */

/**
 * A candidate whose run was interrupted and has not been re-run yet. One with a verdict (a
 * superseded candidate whose run the parallel loop cancelled) needs no re-run.
 */
export function interruptedCandidate(rows: readonly ExperimentRow[]): ExperimentRow | undefined {
  const retried = new Set(rows.map((e) => e.retry_of));
  return rows.find((e) => isCandidate(e) && e.status === 'interrupted' && e.decision === null && !retried.has(e.id));
}

export function pendingCandidate(rows: readonly ExperimentRow[]): ExperimentRow | undefined {
  return rows.find((e) => isCandidate(e) && e.decision === 'pending');
}

/** Candidates decided since the last baseline or control run: when to re-measure the baseline. */
export function decisionsSinceControl(rows: readonly ExperimentRow[]): number {
  let count = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (isHeadRun(row) && isFinished(row)) break;
    if (isCandidate(row) && isDecided(row)) count++;
  }
  return count;
}
