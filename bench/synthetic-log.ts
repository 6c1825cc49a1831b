/**
 * A large synthetic experiment log with the shape the loop writes (baselines, ablations with
 * confirmations, interaction pairs, tweaks that are screened, confirmed, kept or crash, controls
 * every 10 decisions, `stepsPerRun` steps × 2 step metrics per run), built by direct batched inserts in one
 * transaction per table. Values are drawn from a seeded PRNG, so every build is the same.
 */
import { gaussian, mulberry32 } from '../agent/stats/random.ts';
import { openLogForWriting } from '../agent/store/db.ts';

export interface SyntheticShape {
  /** Experiments per session, oldest session first. */
  sessions: number[];
  stepsPerRun: number;
}

export interface BuildFigures {
  experiments: number;
  metrics: number;
  experimentsS: number;
  metricsS: number;
}

const COMPONENTS = ['residual', 'layerNorm', 'dropout', 'posEncoding', 'weightTying', 'warmup'];
const METRIC_NAMES = ['train_loss', 'tokens_per_s'];

export function buildSyntheticLog(file: string, shape: SyntheticShape): BuildFigures {
  const db = openLogForWriting(file);
  // A bulk load of a scratch file: durability during the build buys nothing.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  const rng = mulberry32(20250601);
  const gauss = gaussian(rng);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');

  const insertSession = db.prepare(`
    INSERT INTO sessions (id, status, started_at, end_reason, sandbox, workspace, command, metric, goal,
      proposer, decision_rule, budget_s, options_json, readonly_json, baseline_commit)
    VALUES (?, 'finished', ?, 'reached --max-experiments', 'sandbox', ?, 'npx tsx train.ts', 'val_bpb', 'minimize',
      'planner', 'noise-aware', 300, '{}', '{}', ?)`);
  const endSession = db.prepare('UPDATE sessions SET ended_at = ?, head_commit = ? WHERE id = ?');
  const insertExperiment = db.prepare(`
    INSERT INTO experiments (id, session_id, kind, status, decision, description, hypothesis, change_key, spec_json, diff,
      parent_id, seed, min_runs, base_commit, commit_sha, metric, delta, noise_sd, p_value, n_runs, reason, final_json,
      proposer, exit_code, log_path, created_at, started_at, ended_at, run_s, tokens_in, tokens_out, cost_usd)
    VALUES (@id, @session_id, @kind, @status, @decision, @description, @hypothesis, @change_key, @spec_json, @diff,
      @parent_id, @seed, 1, @base_commit, @commit_sha, @metric, @delta, 0.004, @p_value, @n_runs, @reason, @final_json,
      'planner', @exit_code, @log_path, @created_at, @created_at, @created_at, 300, @tokens_in, @tokens_out, @cost_usd)`);
  const setDecision = db.prepare('UPDATE experiments SET decision = ?, delta = ?, n_runs = ?, p_value = ?, commit_sha = ?, reason = ? WHERE id = ?');
  const insertMetric = db.prepare('INSERT INTO metrics (experiment_id, step, name, value, elapsed_s) VALUES (?, ?, ?, ?, ?)');

  let id = 0;
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const startExperiments = performance.now();
  db.transaction(() => {
    shape.sessions.forEach((size, s) => {
      const sessionId = s + 1;
      const baselineCommit = hex(40);
      let head = baselineCommit;
      let level = 1.9;
      insertSession.run(sessionId, new Date(clock).toISOString(), `/nonexistent/session-${sessionId}/workspace`, baselineCommit);
      const first = id + 1;
      const add = (fields: Record<string, unknown> & { kind: string; description: string; value: number | null }) => {
        id++;
        clock += 300_000;
        const crashed = fields.value === null;
        insertExperiment.run({
          id,
          session_id: sessionId,
          status: crashed ? 'crashed' : 'done',
          decision: null,
          hypothesis: null,
          change_key: null,
          spec_json: null,
          diff: '',
          parent_id: null,
          seed: 1,
          base_commit: head,
          commit_sha: null,
          delta: null,
          p_value: null,
          n_runs: null,
          reason: crashed ? 'exited without a final line' : null,
          exit_code: crashed ? 1 : 0,
          log_path: `/nonexistent/session-${sessionId}/logs/experiment-${id}.log`,
          created_at: new Date(clock).toISOString(),
          tokens_in: 0,
          tokens_out: 0,
          cost_usd: 0,
          ...fields,
          metric: fields.value,
          final_json: crashed ? null : JSON.stringify({ final: true, val_bpb: fields.value, steps: 1400, floor_bpb: 1.6 }),
        });
        return id;
      };
      const noisy = (mean: number) => mean + 0.004 * gauss();
      const diffFor = (line: string) =>
        `diff --git a/train.ts b/train.ts\nindex ${hex(7)}..${hex(7)} 100644\n--- a/train.ts\n+++ b/train.ts\n@@ -10,7 +10,7 @@ export const config = {\n   heads: 4,\n-  ${line}: 1,\n+  ${line}: 2,\n   lr: 3e-3,\n`;
      const candidate = (kind: string, description: string, effect: number, confirmations: number, spec: unknown) => {
        const values = [noisy(level + effect)];
        for (let c = 0; c < confirmations; c++) values.push(noisy(level + effect));
        const candidateId = add({
          kind,
          description,
          value: values[0]!,
          diff: diffFor(description),
          spec_json: spec ? JSON.stringify(spec) : null,
          decision: 'pending',
        });
        values.slice(1).forEach((value, c) => {
          add({ kind: 'confirm', description: `confirm #${candidateId}`, value, parent_id: candidateId, seed: c + 2 });
        });
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        return { candidateId, delta: mean - level, n: values.length };
      };
      const decide = (c: { candidateId: number; delta: number; n: number }, keep: boolean) => {
        const commit = keep ? hex(40) : null;
        setDecision.run(
          keep ? 'keep' : 'revert',
          c.delta,
          c.n,
          keep ? 0.01 : 0.4,
          commit,
          `${keep ? 'kept' : 'reverted'}: Δ ${c.delta.toFixed(4)}`,
          c.candidateId,
        );
        if (keep) {
          head = commit!;
          level += c.delta;
        }
      };

      for (let b = 1; b <= 3; b++) add({ kind: 'baseline', description: `baseline, seed ${b}`, value: noisy(level), decision: 'baseline', seed: b });
      const effects = COMPONENTS.map(() => 0.02 * gauss());
      COMPONENTS.forEach((part, i) => {
        decide(candidate('ablation', `ablate ${part}`, effects[i]!, 2, [{ part, action: 'REMOVE', from: 'true', to: 'false' }]), false);
      });
      for (let i = 0; i < 3; i++) {
        const [a, b] = [COMPONENTS[i]!, COMPONENTS[i + 1]!];
        const specs = [a, b].map((part) => ({ part, action: 'REMOVE', from: 'true', to: 'false' }));
        decide(candidate('interaction', `ablate ${a} and ${b}`, effects[i]! + effects[i + 1]! + 0.01 * gauss(), 2, specs), false);
      }
      let decisions = 0;
      while (id - first + 1 < size) {
        if (++decisions % 10 === 0) {
          add({ kind: 'control', description: 'control: re-measure the baseline', value: noisy(level), decision: 'baseline' });
          continue;
        }
        const r = rng();
        if (r < 0.03) {
          add({ kind: 'tweak', description: `tweak lr #${decisions}`, value: null, decision: 'revert', diff: diffFor('lr') });
          continue;
        }
        // One change in twenty is a real gain, smaller as the level nears the floor (1.6).
        const promising = r > 0.95;
        const effect = promising ? -0.05 * (level - 1.6) * rng() : 0.01 * rng();
        // Confirmations never run past the session's size, so the total is exact.
        const c = candidate('tweak', `tweak heads #${decisions}`, effect, promising ? Math.min(2, size - (id - first + 2)) : 0, null);
        decide(c, promising && c.delta < -0.006);
      }
      endSession.run(new Date(clock).toISOString(), head, sessionId);
    });
  })();
  const experimentsS = (performance.now() - startExperiments) / 1000;

  const startMetrics = performance.now();
  let metrics = 0;
  db.transaction(() => {
    for (let run = 1; run <= id; run++) {
      for (const name of METRIC_NAMES) {
        for (let step = 1; step <= shape.stepsPerRun; step++) {
          const value = name === 'train_loss' ? 4 * Math.exp(-step / 20) + 1.8 + 0.01 * rng() : 50_000 + 1000 * rng();
          insertMetric.run(run, step * 28, name, value, step * 6);
          metrics++;
        }
      }
    }
  })();
  const metricsS = (performance.now() - startMetrics) / 1000;
  db.pragma('journal_mode = WAL');
  db.close();
  return { experiments: id, metrics, experimentsS, metricsS };
}
