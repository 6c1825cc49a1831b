/**
 * The two deltas of a kept change, each named for what it compares, so no screen shows an
 * unlabelled one (README, "Decisions"):
 *
 * - Δ at decision: the verdict's own number, the candidate's runs against the baseline it was
 *   decided on (the runs of its base commit known then). The candidate's runs were kept for
 *   looking good, so this one is biased towards the change.
 * - Δ re-measured: once the kept commit has its own fresh baseline/control runs, their mean
 *   against the mean of the previous baseline's runs. Neither side was selected, so this is the
 *   fair value of the change.
 *
 * Pure: every screen (report, show, dashboard) calls these with the rows it has.
 */
import { mean, pooledSd } from '../stats/descriptive.ts';
import { meanDiffInterval } from '../stats/intervals.ts';
import type { ExperimentRow } from '../store/types.ts';
import { measured } from './candidates.ts';
import { isHeadRun } from './kinds.ts';

export const DELTA_AT_DECISION = 'Δ at decision';
export const DELTA_REMEASURED = 'Δ re-measured';
/** DELTA_AT_DECISION as the heading of a narrow column (the log table, the dashboard's recent runs). */
export const DELTA_DECIDED_COLUMN = 'Δ decided';

export interface DeltaAtDecision {
  delta: number | null;
  /** The verdict's interval and p, as stored with it (null where the rule gives none). */
  ci_low: number | null;
  ci_high: number | null;
  p: number | null;
  /** The candidate's runs behind the verdict. */
  n: number | null;
  /** The baseline it was decided on: its commit, and the mean of that commit's runs finished before the verdict. */
  base_commit: string;
  baseline_mean: number | null;
  baseline_n: number;
}

export interface DeltaRemeasured {
  delta: number;
  /** 95% two-sided, pooled SD of the two groups of runs compared; null with no df. */
  ci_low: number | null;
  ci_high: number | null;
  /** The kept commit's fresh runs. */
  mean: number;
  n: number;
  /** The runs of the baseline it replaced. */
  previous_mean: number;
  previous_n: number;
}

export interface CandidateDeltas {
  at_decision: DeltaAtDecision;
  /** Null until the kept commit's fresh runs are measured (always null for a reverted change). */
  remeasured: DeltaRemeasured | null;
}

const headRunsOf = (rows: readonly ExperimentRow[], commit: string) => rows.filter((e) => isHeadRun(e) && e.base_commit === commit);

/**
 * A kept (or any decided) candidate's deltas. `rows` must hold at least the candidate's runs and
 * the baseline/control runs of its base commit and of its own commit; more rows are ignored.
 */
export function deltasOf(rows: readonly ExperimentRow[], candidate: ExperimentRow): CandidateDeltas {
  // The verdict came at the candidate's last run: baseline runs after it were not known to it.
  const lastRun = Math.max(candidate.id, ...rows.filter((e) => e.kind === 'confirm' && e.parent_id === candidate.id).map((e) => e.id));
  const previous = measured(headRunsOf(rows, candidate.base_commit));
  const known = measured(headRunsOf(rows, candidate.base_commit).filter((e) => e.id < lastRun));
  const fresh = candidate.commit_sha === null ? [] : measured(headRunsOf(rows, candidate.commit_sha));
  return {
    at_decision: {
      delta: candidate.delta,
      ci_low: candidate.ci_low,
      ci_high: candidate.ci_high,
      p: candidate.p_value,
      n: candidate.n_runs,
      base_commit: candidate.base_commit,
      baseline_mean: known.length > 0 ? mean(known) : null,
      baseline_n: known.length,
    },
    remeasured: fresh.length > 0 && previous.length > 0 ? remeasure(fresh, previous) : null,
  };
}

function remeasure(fresh: number[], previous: number[]): DeltaRemeasured {
  const noise = pooledSd([fresh, previous]);
  const ci = noise.df > 0 ? meanDiffInterval(fresh, previous, 0.95, noise) : null;
  const freshMean = mean(fresh);
  const previousMean = mean(previous);
  return {
    delta: freshMean - previousMean,
    ci_low: ci?.low ?? null,
    ci_high: ci?.high ?? null,
    mean: freshMean,
    n: fresh.length,
    previous_mean: previousMean,
    previous_n: previous.length,
  };
}
