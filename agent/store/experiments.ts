import type { Db } from './db.ts';
import { experimentById } from './experiment-reads.ts';
import { now } from './sessions.ts';
import type { DecisionValue, ExperimentRow } from './types.ts';

/** The fields an experiment row is created with; the rest are filled in as it runs and is decided. */
export type NewExperiment = Pick<ExperimentRow, 'session_id' | 'kind' | 'description' | 'seed' | 'base_commit' | 'proposer'> &
  Partial<Pick<ExperimentRow, OptionalField>>;

type OptionalField = 'hypothesis' | 'change_key' | 'spec_json' | 'diff' | 'parent_id' | 'retry_of' | 'min_runs' | 'decision' | 'propose_s' | 'design';

/** What a new row has where its creator says nothing: no change, no links, one run before a verdict. */
const UNSAID: Required<Pick<NewExperiment, OptionalField>> = {
  hypothesis: null,
  change_key: null,
  spec_json: null,
  diff: '',
  parent_id: null,
  retry_of: null,
  min_runs: 1,
  decision: null,
  propose_s: null,
  design: null,
};

/** How a run ended, as the runner tells it. */
export type RunOutcome = Pick<ExperimentRow, 'status' | 'metric' | 'final_json' | 'backend' | 'exit_code' | 'signal' | 'reason'> & {
  run_s: number;
  peak_mem_mb?: number | null;
  eval_json?: string | null;
  eval_s?: number | null;
};

/** A candidate's verdict and the numbers behind it. */
export type DecisionRecord = Pick<ExperimentRow, 'delta' | 'noise_sd' | 'p_value' | 'ci_low' | 'ci_high' | 'n_runs' | 'commit_sha'> & {
  noise_json?: string | null;
  decision: DecisionValue;
  reason: string;
};

export class ExperimentStore {
  constructor(private readonly db: Db) {}

  /** Written before anything runs, so a crash at any later point leaves a trace. */
  create(fields: NewExperiment): ExperimentRow {
    const info = this.db
      .prepare(
        `INSERT INTO experiments (session_id, kind, status, decision, description, hypothesis, change_key,
           spec_json, diff, parent_id, retry_of, seed, min_runs, base_commit, proposer, created_at, propose_s, design)
         VALUES (@session_id, @kind, 'queued', @decision, @description, @hypothesis, @change_key,
           @spec_json, @diff, @parent_id, @retry_of, @seed, @min_runs, @base_commit, @proposer, @created_at, @propose_s, @design)`,
      )
      .run({ ...UNSAID, ...fields, created_at: now() });
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): ExperimentRow | undefined {
    return experimentById(this.db, id);
  }

  forSession(sessionId: number): ExperimentRow[] {
    return this.db.prepare('SELECT * FROM experiments WHERE session_id = ? ORDER BY id').all(sessionId) as ExperimentRow[];
  }

  started(id: number, logPath: string): void {
    this.db.prepare(`UPDATE experiments SET status = 'running', started_at = ?, log_path = ? WHERE id = ?`).run(now(), logPath, id);
  }

  spawned(id: number, pid: number): void {
    this.db.prepare('UPDATE experiments SET pid = ? WHERE id = ?').run(pid, id);
  }

  finished(id: number, outcome: RunOutcome): void {
    this.db
      .prepare(
        `UPDATE experiments SET status = @status, metric = @metric, final_json = @final_json, backend = @backend,
           exit_code = @exit_code, signal = @signal, run_s = @run_s, reason = COALESCE(@reason, reason),
           eval_json = @eval_json, eval_s = @eval_s, peak_mem_mb = @peak_mem_mb, ended_at = @ended_at
         WHERE id = @id`,
      )
      .run({ eval_json: null, eval_s: null, peak_mem_mb: null, ...outcome, id, ended_at: now() });
  }

  /** Where a run through an executor ran: its node, GPUs and their model. */
  placed(id: number, placement: { node: string | null; gpus: readonly string[]; gpuModel: string | null }): void {
    const { node, gpus, gpuModel } = placement;
    this.db
      .prepare('UPDATE experiments SET node = ?, gpus = ?, gpu_model = ? WHERE id = ?')
      .run(node, gpus.length > 0 ? JSON.stringify(gpus) : null, gpuModel, id);
  }

  /** The delta the proposer predicted for the change, once the loop has recorded it. */
  predicted(id: number, delta: number): void {
    this.db.prepare('UPDATE experiments SET predicted_delta = ? WHERE id = ?').run(delta, id);
  }

  /** A change that never ran (it touched read-only files, or changed nothing). */
  rejected(id: number, reason: string): void {
    this.db.prepare(`UPDATE experiments SET status = 'rejected', decision = 'revert', reason = ?, ended_at = ? WHERE id = ?`).run(reason, now(), id);
  }

  decided(id: number, record: DecisionRecord): void {
    this.db
      .prepare(
        `UPDATE experiments SET decision = @decision, reason = @reason, delta = @delta, noise_sd = @noise_sd,
           p_value = @p_value, ci_low = @ci_low, ci_high = @ci_high, n_runs = @n_runs, noise_json = @noise_json,
           commit_sha = COALESCE(@commit_sha, commit_sha)
         WHERE id = @id`,
      )
      .run({ noise_json: null, ...record, id });
  }

  /** After a crash of the agent: whatever was queued or running did not finish. */
  interruptInFlight(sessionId: number, reason: string): ExperimentRow[] {
    const rows = this.db.prepare(`SELECT * FROM experiments WHERE session_id = ? AND status IN ('queued', 'running')`).all(sessionId) as ExperimentRow[];
    // An interrupted candidate is no longer awaiting a verdict: its re-run (a new row) is.
    this.db
      .prepare(
        `UPDATE experiments SET status = 'interrupted', reason = ?, ended_at = ?,
           decision = CASE WHEN decision = 'pending' THEN NULL ELSE decision END
         WHERE session_id = ? AND status IN ('queued', 'running')`,
      )
      .run(reason, now(), sessionId);
    return rows;
  }

  /** A run that did not finish. A verdict given before (a superseded candidate's) keeps its reason, with this one after it. */
  interrupted(id: number, reason: string, runS: number | null): void {
    this.db
      .prepare(
        `UPDATE experiments SET status = 'interrupted', run_s = @runS, ended_at = @at,
           reason = CASE WHEN decision IN ('keep', 'revert') AND reason IS NOT NULL THEN reason || '; ' || @reason ELSE @reason END,
           decision = CASE WHEN decision = 'pending' THEN NULL ELSE decision END
         WHERE id = @id`,
      )
      .run({ reason, runS, at: now(), id });
  }
}
