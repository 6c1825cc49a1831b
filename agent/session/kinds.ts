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

/** Launched runs that came to an end: what --max-runs counts. */
export function finishedCount(rows: readonly ExperimentRow[]): number {
  return rows.filter(isFinished).length;
}

/**
 * Candidates measured and given their verdict: what --max-experiments counts. A rejected change
 * (stored as reverted) never ran, and a factorial design's points are runs of one design, not
 * changes decided one at a time: neither counts.
 */
export function decidedCount(rows: readonly ExperimentRow[]): number {
  return rows.filter((e) => isCandidate(e) && isDecided(e) && e.status !== 'rejected' && e.design !== 'factorial').length;
}
