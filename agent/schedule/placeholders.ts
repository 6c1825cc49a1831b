import type { ExperimentRow } from '../store/types.ts';
import { inFlight } from './physical.ts';

/**
 * What a speculative replay assumes for a run that has not come back: a head run lands (its
 * metric a guess, never decided on alone), and a candidate is reverted after the runs it has,
 * the common outcome (most changes stop at their screen). Only seeds and counts of these rows
 * matter: they fix which runs the rule will ask for next, and those are started early.
 */

const BLANK: ExperimentRow = {
  id: 0,
  session_id: 0,
  kind: 'tweak',
  status: 'done',
  decision: null,
  description: 'placeholder',
  hypothesis: null,
  change_key: null,
  spec_json: null,
  diff: '',
  parent_id: null,
  retry_of: null,
  seed: 0,
  min_runs: 1,
  base_commit: '',
  commit_sha: null,
  metric: null,
  delta: null,
  noise_sd: null,
  p_value: null,
  ci_low: null,
  ci_high: null,
  n_runs: null,
  reason: null,
  final_json: null,
  backend: null,
  proposer: 'schedule',
  exit_code: null,
  signal: null,
  log_path: null,
  pid: null,
  created_at: '',
  started_at: null,
  ended_at: null,
  propose_s: null,
  run_s: null,
  tokens_in: 0,
  tokens_out: 0,
  cost_usd: 0,
  eval_json: null,
  eval_s: null,
  noise_json: null,
  design: null,
};

/** A run assumed ended: `row` where one is in flight, else a synthetic row (id below zero). */
export function placeholder(row: ExperimentRow | undefined, id: number, over: Partial<ExperimentRow>): ExperimentRow {
  return { ...(row ?? BLANK), ...over, id, status: 'done' };
}

/** A candidate assumed reverted after the runs it has: a revert the rule made (n_runs set) tops the baseline up; a design point's does not. */
export function assumedReverted(candidate: ExperimentRow): ExperimentRow {
  const running = inFlight(candidate);
  return {
    ...candidate,
    status: running ? 'done' : candidate.status,
    metric: running ? null : candidate.metric,
    decision: 'revert',
    reason: null,
    n_runs: candidate.design !== null ? null : 1,
  };
}
