import { isFailedRun, type ExperimentRow } from '../store/types.ts';

/**
 * A candidate's runs (itself, then its confirmations) for every candidate of a session at
 * once: one pass over the rows, where filtering the rows per candidate would be quadratic on a
 * 10,000-experiment session.
 */
export function candidateRunIndex(rows: readonly ExperimentRow[]): (candidate: ExperimentRow) => ExperimentRow[] {
  const confirmations = new Map<number, ExperimentRow[]>();
  for (const e of rows) {
    if (e.kind !== 'confirm' || e.parent_id === null) continue;
    const list = confirmations.get(e.parent_id) ?? [];
    list.push(e);
    confirmations.set(e.parent_id, list);
  }
  return (candidate) => [candidate, ...(confirmations.get(candidate.id) ?? [])];
}

/** One candidate's runs; for many candidates, build candidateRunIndex once. */
export const candidateRuns = (rows: readonly ExperimentRow[], candidate: ExperimentRow): ExperimentRow[] => candidateRunIndex(rows)(candidate);

/** The metric values of the runs that finished with one. */
export const measured = (runs: readonly ExperimentRow[]): number[] => runs.filter((e) => e.status === 'done' && e.metric !== null).map((e) => e.metric!);

/** The candidate or confirmation run of a candidate that failed, if any did. */
export function failedRunOf(rows: readonly ExperimentRow[], candidate: ExperimentRow): ExperimentRow | undefined {
  return candidateRuns(rows, candidate).find((e) => isFailedRun(e.status));
}
