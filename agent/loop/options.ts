/** The settings of one session, stored with it so that a resumed session runs as it began. */
export interface SessionOptions {
  sandbox: string;
  budgetS: number;
  /** Seconds past the budget for start-up and evaluation before a run counts as hung. */
  graceS: number;
  maxExperiments: number | null;
  /** True when --max-experiments was given on this command line (it may raise a resumed session's). */
  maxExperimentsGiven: boolean;
  proposer: 'planner' | 'claude';
  decision: string;
  baselineRuns: number;
  ablationRuns: number;
  /** Pairwise interaction tests among this many strongest components (0 or 1 = none). */
  interactionTop: number;
  /** Re-measure the baseline (a no-op control run) after this many decisions; 0 = never. */
  controlEvery: number;
}

/** Grace for start-up, compilation and evaluation: half a minute plus a fifth of the budget. */
export const defaultGrace = (budgetS: number): number => Math.round(30 + 0.2 * budgetS);
