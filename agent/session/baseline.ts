import type { Measurement } from '../decide/types.ts';
import type { ExperimentRow } from '../store/types.ts';
import { commitKey, measurementGroups } from './groups.ts';
import { isCandidate, isFinished, isHeadRun } from './kinds.ts';

/** How far a commit's own measurement (its baseline and control runs) has got. */

/** The commit's runs that finished with a metric. */
export function headMeasurements(rows: readonly ExperimentRow[], head: string): Measurement[] {
  return measurementGroups(rows).get(commitKey(head)) ?? [];
}

/** The commit's runs that came to an end (done or not): how far its measurement is. */
export function headRunCount(rows: readonly ExperimentRow[], head: string): number {
  return rows.filter((e) => isHeadRun(e) && e.base_commit === head && isFinished(e)).length;
}

/**
 * Candidates measured against this commit and reverted. One whose run failed does not count:
 * it was never compared with the baseline, so says nothing about the baseline's luck.
 */
export function revertsOn(rows: readonly ExperimentRow[], head: string): number {
  return rows.filter((e) => isCandidate(e) && e.base_commit === head && e.decision === 'revert' && e.n_runs !== null).length;
}

/** Candidates already proposed against this commit: which baseline seed the next one screens on. */
export function candidatesOn(rows: readonly ExperimentRow[], head: string): number {
  return rows.filter((e) => isCandidate(e) && e.base_commit === head).length;
}
