import { SUPERSEDED } from '../session/kinds.ts';
import type { ExperimentRow } from '../store/types.ts';

/**
 * Why a candidate is superseded, as its revert's reason. It is recorded as `revert` (the log's
 * decisions are fixed: baseline, keep, revert, pending) with no stats and n_runs null, so it
 * counts neither as a decision (--max-experiments) nor as a revert that tops the baseline up:
 * the rule never judged it. Its runs stay in the log as data; its change is re-tested as a new
 * row (retry_of: this one) on the head and seed its turn gives, and that row gets the verdict.
 */
export function supersededReason(row: ExperimentRow, vrows: readonly ExperimentRow[], head: string, seed: number | null): string {
  if (row.base_commit !== head || seed === null) {
    const keeper = vrows.find((e) => e.decision === 'keep' && e.base_commit === row.base_commit);
    const why = keeper ? `#${keeper.id} was kept there first` : 'that is no longer the last kept state';
    return `${SUPERSEDED} proposed on ${short(row.base_commit)} and ${why}; its runs stay as data, and the change is tested again on ${short(head)}`;
  }
  return `${SUPERSEDED} screened on seed ${row.seed}, but its turn came with seed ${seed}; its run stays as data, and the change is tested again on seed ${seed}`;
}

const short = (sha: string): string => sha.slice(0, 7);
