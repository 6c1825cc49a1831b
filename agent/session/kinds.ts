import { FINISHED_STATUSES, type ExperimentRow } from '../store/types.ts';

/**
 * What kind of run a row is, read from the row alone. A session's model (agent/session/) is
 * derived from its rows, never from memory: that is what makes resume after kill -9 exact and
 * keeps the loop, the report and the dashboard from disagreeing.
 */

/** Runs that try a change and get a keep/revert verdict. */
export const CANDIDATE_KINDS = new Set(['ablation', 'interaction', 'tweak', 'llm']);

export const isCandidate = (e: ExperimentRow): boolean => CANDIDATE_KINDS.has(e.kind);
export const isFinished = (e: ExperimentRow): boolean => FINISHED_STATUSES.includes(e.status);

/** A run of a commit as it stands: the initial baseline, or a control that re-measures it. */
export const isHeadRun = (e: Pick<ExperimentRow, 'kind'>): boolean => e.kind === 'baseline' || e.kind === 'control';

/** The candidate a candidate or confirmation run measured. */
export const candidateIdOf = (e: Pick<ExperimentRow, 'kind' | 'id' | 'parent_id'>): number | null => (e.kind === 'confirm' ? e.parent_id : e.id);

/** A candidate that got its verdict (a rejected or interrupted one never does). */
export const isDecided = (e: Pick<ExperimentRow, 'decision'>): boolean => e.decision === 'keep' || e.decision === 'revert';

/**
 * A candidate set aside unjudged because another change was kept on its baseline first, or its
 * turn came on another seed (agent/schedule/): its runs stay as data, and the change itself is
 * decided by its re-test, a new row whose retry_of points here.
 */
export const SUPERSEDED = 'superseded:';
export const isSuperseded = (e: Pick<ExperimentRow, 'decision' | 'reason'>): boolean => e.decision === 'revert' && (e.reason?.startsWith(SUPERSEDED) ?? false);

/** Launched runs that came to an end: what --max-runs counts. */
export function finishedCount(rows: readonly ExperimentRow[]): number {
  return rows.filter(isFinished).length;
}

/**
 * Candidates measured and given their verdict: what --max-experiments counts. A rejected change
 * (stored as reverted) never ran, a factorial design's points are runs of one design, not
 * changes decided one at a time, and a superseded change is decided by its re-test: none counts.
 */
export function decidedCount(rows: readonly ExperimentRow[]): number {
  return rows.filter((e) => isCandidate(e) && isDecided(e) && e.status !== 'rejected' && e.design !== 'factorial' && !isSuperseded(e)).length;
}
