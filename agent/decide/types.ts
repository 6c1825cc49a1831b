import type { NoiseReport } from './comparison.ts';
/**
 * The seam between the loop and the keep/revert rule. Policies are pure: they see numbers,
 * never the database or the workspace, so they can be unit-tested and benchmarked alone.
 */

export type Goal = 'minimize' | 'maximize';

/** One finished run of one configuration. Failed runs (crash, timeout, diverged) never appear. */
export interface Measurement {
  seed: number;
  value: number;
}

export interface DecisionInput {
  goal: Goal;
  /** Runs of the current baseline: the last kept state of the workspace. */
  baseline: readonly Measurement[];
  /**
   * Other groups of repeated runs of one configuration each (earlier baselines, controls,
   * confirmed candidates). A policy may pool the within-group variance of those whose spread
   * agrees with the baseline's to estimate the run-to-run SD more tightly.
   */
  noiseGroups: readonly (readonly Measurement[])[];
  /** What each noise group measured, in the same order, for the reason of a group set aside. */
  noiseLabels?: readonly string[];
  /**
   * Earlier candidates' same-seed differences against their own baselines (one group per
   * candidate with at least two shared seeds): the spread of a paired difference.
   */
  pairedGroups?: readonly (readonly number[])[];
  /** The change only removes (a component ablated to false/0/none, or a diff that adds no line). */
  simplifies?: boolean;
  /** Runs of the candidate so far: the screening run first, then confirmations. */
  candidate: readonly Measurement[];
  /** The best single value recorded in the session so far (what a greedy rule compares with). */
  bestSingle: number | undefined;
  /** Runs the candidate must get before any verdict (ablations want an interval, not a screen). */
  minRuns: number;
}

/** The numbers behind a verdict; `delta` is candidate minus baseline in the metric's units. */
export interface DecisionStats {
  delta: number;
  /** Run-to-run noise SD used by the test (pooled where the policy pools); null where no group has two runs yet. */
  sd: number | null;
  /** Candidate runs that entered the test. */
  n: number;
  /** One-sided p-value that the candidate is no better than the baseline; null where no test ran. */
  p: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** How the noise was estimated (stored as the row's noise_json). */
  noise?: NoiseReport;
}

/**
 * What a change must do to be kept now, as the rule would judge one proposed on the current
 * baseline: the noise it would use, the improvement a keep needs (`bar`) after the runs it would
 * get, and the improvement kept most of the time (`likely`, kept with probability `power`).
 * Improvements are positive whatever the goal; null where the rule has no noise estimate yet.
 */
export interface KeepBar {
  sd: number | null;
  /** How the comparison would be made: paired by seed, pooled, or one run against the record (greedy). */
  method: 'paired' | 'pooled' | 'welch' | 'record';
  /** SD of a same-seed difference where the comparison would be paired. */
  pairedSd: number | null;
  runs: number;
  bar: number | null;
  likely: number | null;
  power: number;
}

export type Decision = { verdict: 'confirm'; seed: number; reason: string } | { verdict: 'keep' | 'revert'; reason: string; stats: DecisionStats };

export interface DecisionPolicy {
  readonly name: string;
  /** The seeds of the baseline runs at the start of a session. */
  baselineSeeds(count: number): number[];
  /**
   * Runs of the last kept state wanted before the next candidate, given `--baseline-runs` and
   * how many candidates were compared with it and reverted. At least `baselineRuns`.
   */
  headRuns(baselineRuns: number, reverts: number): number;
  /** The most runs a candidate that must get `minRuns` can be given before its verdict (what a run limit must leave room for). */
  maxRunsPerCandidate(minRuns: number, simplifies?: boolean): number;
  /** The seed of a candidate's first (screening) run; `index` counts the candidates already tried on this baseline. */
  screenSeed(input: Pick<DecisionInput, 'baseline'> & { index?: number }): number;
  decide(input: DecisionInput): Decision;
  /** What a change proposed now must improve by to be kept; `input.candidate` holds one hypothetical screening run. */
  keepBar?(input: DecisionInput): KeepBar;
}
