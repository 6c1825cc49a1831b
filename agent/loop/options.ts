import os from 'node:os';
import type { IsolationMode } from '../runner/isolation/choose.ts';
import type { ExecutorSettings } from '../executors/settings.ts';

/** The settings of one session, stored with it so that a resumed session runs as it began. */
export interface SessionOptions {
  sandbox: string;
  budgetS: number;
  /** Seconds past the budget for start-up and evaluation before a run counts as hung. */
  graceS: number;
  /** Decided candidates (keep or revert) after which the session ends; null = no limit. */
  maxExperiments: number | null;
  /** True when --max-experiments was given on this command line (it may raise a resumed session's). */
  maxExperimentsGiven: boolean;
  /** Finished runs after which the session ends (absent in logs before --max-runs: no limit). */
  maxRuns?: number | null;
  /** True when --max-runs was given on this command line (it replaces a resumed session's). */
  maxRunsGiven?: boolean;
  /** When the night ends, as an ISO time (from --hours or --until); absent or null: no deadline. */
  deadline?: string | null;
  /** True when --hours or --until was given on this command line (it replaces a resumed session's). */
  deadlineGiven?: boolean;
  proposer: 'planner' | 'claude';
  decision: string;
  baselineRuns: number;
  ablationRuns: number;
  /** Pairwise interaction tests among this many strongest components (0 or 1 = none). */
  interactionTop: number;
  /** Pairwise tests among this many weakest, non-significant components: redundancy candidates (absent in older logs: none). */
  redundancyTop?: number;
  /** How the components are measured: loco (absent in older logs) or a factorial design (docs/design.md, "Designs"). */
  design?: 'loco' | 'factorial';
  /** auto: bubblewrap when it works, else warn; strict: refuse without it; none: never. */
  isolation: IsolationMode;
  /** Per-run limits: writable memory in GiB and open files (null = the OS's own). */
  memoryGb: number | null;
  openFiles: number | null;
  /** Processes and threads a run may hold at once (absent: the runner's default; null: no limit). */
  maxProcesses?: number | null;
  /** Disk a run may fill in its workspace and NIGHTSHIFT_OUT, in GiB (absent: 20 GiB or half the free space; null: no limit). */
  diskQuotaGb?: number | null;
  /** Non-inferiority margin, in noise SDs, under which a simplification is kept (absent: the rule's default, 0.5; 0: never). */
  simplifyMarginSd?: number;
  /** Re-measure the baseline (a no-op control run) after this many decisions; 0 = never. */
  controlEvery: number;
  /** The sandbox's content as the session began (settings-match.ts): a plain `run` continues the session only while it is unchanged. */
  sandboxHash?: string;
  /** Where runs execute and how many at once (executor-settings.ts); absent: one at a time in the workspace. */
  executor?: ExecutorSettings;
  /** Set on a session of `nightshift rerun`: the experiment it re-measures. Such a session is never resumed, nor a query's default. */
  rerunOf?: number;
}

/** Per-run limits unless flags say otherwise: most of the machine's memory, and 4096 open files. */
export function defaultLimits(): Pick<SessionOptions, 'memoryGb' | 'openFiles'> {
  return { memoryGb: Math.floor((os.totalmem() * 0.8) / 2 ** 30), openFiles: 4096 };
}

/** A complete set of options for programmatic sessions (tests, benchmarks); the CLI builds its own from flags. */
export function sessionOptions(sandbox: string, over: Partial<SessionOptions> = {}): SessionOptions {
  return {
    sandbox,
    budgetS: 300,
    graceS: defaultGrace(over.budgetS ?? 300),
    maxExperiments: null,
    maxExperimentsGiven: false,
    proposer: 'planner',
    decision: 'noise-aware',
    baselineRuns: 5,
    ablationRuns: 3,
    interactionTop: 3,
    redundancyTop: 3,
    design: 'loco',
    isolation: 'auto',
    ...defaultLimits(),
    controlEvery: 10,
    ...over,
  };
}

/** Grace for start-up, compilation and evaluation: half a minute plus a fifth of the budget. */
export const defaultGrace = (budgetS: number): number => Math.round(30 + 0.2 * budgetS);
