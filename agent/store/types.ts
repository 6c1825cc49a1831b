import type { SealLevel } from '../config/load.ts';
import type { Goal } from '../decide/types.ts';

export const EXPERIMENT_KINDS = ['baseline', 'ablation', 'interaction', 'tweak', 'llm', 'confirm', 'control'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

export const EXPERIMENT_STATUSES = ['queued', 'running', 'done', 'crashed', 'timeout', 'diverged', 'interrupted', 'rejected', 'invalid'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** Runs that ended without a usable metric: a crash, a timeout, a divergence, or a broken rule of the measurement. */
export const FAILED_STATUSES: readonly ExperimentStatus[] = ['crashed', 'timeout', 'diverged', 'invalid'];
export const isFailedRun = (status: unknown): boolean => FAILED_STATUSES.includes(status as ExperimentStatus);

/** Statuses of a run that was launched and came to an end on its own (they count as finished). */
export const FINISHED_STATUSES: readonly ExperimentStatus[] = ['done', 'crashed', 'timeout', 'diverged', 'invalid'];

export type DecisionValue = 'baseline' | 'keep' | 'revert' | 'pending';
export type SessionStatus = 'running' | 'stopped' | 'finished';

export interface SessionRow {
  id: number;
  status: SessionStatus;
  started_at: string;
  ended_at: string | null;
  end_reason: string | null;
  sandbox: string;
  workspace: string;
  command: string;
  metric: string;
  goal: Goal;
  proposer: string;
  decision_rule: string;
  budget_s: number;
  max_experiments: number | null;
  options_json: string;
  readonly_json: string;
  baseline_commit: string | null;
  head_commit: string | null;
  agent_pid: number | null;
  heartbeat_at: string | null;
  seal: SealLevel;
  /** sha256 of each file the evaluation runs with (readonly + hidden), taken when the session began. */
  evaluation_json: string | null;
  /** When the agent's user paused it (p); null while it runs on. */
  paused_at: string | null;
  /** The plan the session printed as it started (a PlanEvent as JSON), for `watch`. */
  plan_json: string | null;
}

/** AblationBench-style description of what an ablation removes or replaces; `spec_json` holds a list of them. */
export interface AblationSpec {
  part: string;
  action: 'REMOVE' | 'REPLACE' | 'ADD';
  from: string;
  to: string;
}

export interface ExperimentRow {
  id: number;
  session_id: number;
  kind: ExperimentKind;
  status: ExperimentStatus;
  decision: DecisionValue | null;
  description: string;
  hypothesis: string | null;
  change_key: string | null;
  spec_json: string | null;
  diff: string;
  parent_id: number | null;
  retry_of: number | null;
  seed: number;
  min_runs: number;
  base_commit: string;
  commit_sha: string | null;
  metric: number | null;
  delta: number | null;
  noise_sd: number | null;
  p_value: number | null;
  ci_low: number | null;
  ci_high: number | null;
  n_runs: number | null;
  reason: string | null;
  final_json: string | null;
  backend: string | null;
  proposer: string;
  exit_code: number | null;
  signal: string | null;
  log_path: string | null;
  /** The training process group while it runs, so a resumed agent can kill an orphan. */
  pid: number | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  propose_s: number | null;
  run_s: number | null;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  /** The evaluation's final line (sealed and separate sessions); final_json holds the training's facts. */
  eval_json: string | null;
  eval_s: number | null;
  /** Where a run through an executor ran (v7; absent in older logs, NULL for runs in the workspace). */
  node?: string | null;
  /** Its GPUs as a JSON list of ids (CUDA_VISIBLE_DEVICES). */
  gpus?: string | null;
  /** The model of those GPUs as nvidia-smi names it ("A + B" for a run across two models); v8, NULL where unknown. */
  gpu_model?: string | null;
  /** Peak memory of the run in MiB, from its final facts (peak_mem_mb, peak_vram_mb or memory_gb); v8. */
  peak_mem_mb?: number | null;
  /** The delta the proposer predicted for its change, in the metric's units (v9; NULL where none was given). */
  predicted_delta?: number | null;
  /** How the verdict's noise was estimated (decide/noise.ts's NoiseReport as JSON); null before a verdict. */
  noise_json: string | null;
  /** The design a run is a point of: null for one change at a time, 'factorial' for a fractional factorial. */
  design: string | null;
}
