import type { ExperimentRow, SessionRow } from '../../agent/store/types.ts';

/** Log rows built by hand, for the view model and the component frames. Times are fixed: T0 + seconds. */
export const T0 = Date.parse('2025-01-01T00:00:00.000Z');
export const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

export function session(over: Partial<SessionRow> = {}): SessionRow {
  return {
    id: 1,
    status: 'running',
    started_at: at(0),
    ended_at: null,
    end_reason: null,
    sandbox: '/home/me/sandbox',
    workspace: '/tmp/ws',
    command: 'node train.mjs',
    metric: 'val_bpb',
    goal: 'minimize',
    proposer: 'planner',
    decision_rule: 'noise-aware',
    budget_s: 300,
    max_experiments: 50,
    options_json: '{}',
    readonly_json: '{}',
    baseline_commit: 'c0',
    head_commit: 'c0',
    agent_pid: 4242,
    heartbeat_at: at(0),
    seal: 'sealed',
    evaluation_json: null,
    paused_at: null,
    plan_json: null,
    ...over,
  };
}

let nextId = 1;
/** Ids restart at 1, for tests whose rows refer to each other by id. */
export const restartIds = (): void => {
  nextId = 1;
};

export function row(over: Partial<ExperimentRow> = {}): ExperimentRow {
  const id = over.id ?? nextId++;
  return {
    id,
    session_id: 1,
    kind: 'baseline',
    status: 'done',
    decision: 'baseline',
    description: `baseline, seed ${over.seed ?? 1}`,
    hypothesis: null,
    change_key: null,
    spec_json: null,
    diff: '',
    parent_id: null,
    retry_of: null,
    seed: 1,
    min_runs: 1,
    base_commit: 'c0',
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
    backend: 'wasm',
    proposer: 'planner',
    exit_code: 0,
    signal: null,
    log_path: null,
    pid: null,
    created_at: at(0),
    started_at: at(0),
    ended_at: at(300),
    propose_s: null,
    run_s: 300,
    tokens_in: 0,
    tokens_out: 0,
    cost_usd: 0,
    eval_json: null,
    eval_s: null,
    noise_json: null,
    design: null,
    ...over,
  };
}

/** Three finished baseline runs (mean 1.9) of commit c0, over the first 900 s. */
export function baselines(): ExperimentRow[] {
  return [1.9, 1.91, 1.89].map((metric, i) => row({ id: i + 1, seed: i + 1, metric, started_at: at(i * 300), ended_at: at(i * 300 + 295), run_s: 295 }));
}

/** A first baseline run in flight at t = 0. */
export function baselineRunning(): ExperimentRow[] {
  return [row({ id: 1, status: 'running', metric: null, ended_at: null, run_s: null, backend: null })];
}

/** Baselines, then #4 ablation kept after confirmation by #5 (mean 1.85: a gain of −0.05), then #6 in flight. */
export function aKeep(): ExperimentRow[] {
  return [
    ...baselines(),
    row({
      id: 4,
      kind: 'ablation',
      decision: 'keep',
      description: 'ablate dropout: 0.1 -> 0',
      metric: 1.86,
      delta: -0.05,
      commit_sha: 'c1',
      reason: 'kept: Δ −0.05 over n=2, p=0.01',
      started_at: at(900),
      ended_at: at(1195),
      run_s: 295,
      spec_json: JSON.stringify([{ part: 'dropout', action: 'ablate', from: '0.1', to: '0' }]),
    }),
    row({
      id: 5,
      kind: 'confirm',
      decision: null,
      parent_id: 4,
      description: 'confirm #4 (ablate dropout: 0.1 -> 0), seed 2',
      seed: 2,
      metric: 1.84,
      started_at: at(1200),
      ended_at: at(1495),
      run_s: 295,
    }),
    row({
      id: 6,
      kind: 'tweak',
      status: 'running',
      decision: 'pending',
      base_commit: 'c1',
      description: 'tweak lr: 0.003 -> 0.006',
      hypothesis: 'a larger step size converges faster within the budget',
      metric: null,
      started_at: at(1500),
      ended_at: null,
      run_s: null,
      backend: null,
    }),
  ];
}

/** Baselines, then #4 a tweak whose run crashed (reverted), then #5 in flight. */
export function aCrash(): ExperimentRow[] {
  return [
    ...baselines(),
    row({
      id: 4,
      kind: 'tweak',
      status: 'crashed',
      decision: 'revert',
      description: 'tweak lr: 0.003 -> 0.3',
      metric: null,
      exit_code: 1,
      reason: 'reverted: its run crashed (no final line; exit 1)',
      started_at: at(900),
      ended_at: at(910),
      run_s: 10,
    }),
    row({
      id: 5,
      kind: 'ablation',
      status: 'running',
      decision: 'pending',
      description: 'ablate residual: true -> false',
      metric: null,
      started_at: at(915),
      ended_at: null,
      run_s: null,
    }),
  ];
}
