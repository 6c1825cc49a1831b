/**
 * The session report's numbers (the `report --format json` shape outside readers rely on, plus a
 * few fields the Markdown uses): baseline, best, effects and interactions with intervals, counts, and the
 * expected number of false keeps under the session's decision rule.
 */
import { effectFamilies, LOCO_LABEL, type DesignName } from '../analysis/session-effects.ts';
import { NOISE_AWARE_DEFAULTS } from '../decide/noise-aware.ts';
import type { Goal } from '../decide/types.ts';
import type { SealLevel } from '../config/load.ts';
import { mean, pooledSd, sd } from '../stats/descriptive.ts';
import { expectedFalseKeeps } from '../stats/false-keeps.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { finalFields, finalNumber, floorNames } from '../runner/final-fields.ts';
import { candidateRunIndex, measured } from '../session/candidates.ts';
import { decisionStates } from '../session/decision-states.ts';
import { commitKey, runGroups } from '../session/groups.ts';
import { CANDIDATE_KINDS } from '../session/kinds.ts';
import { isFailedRun } from '../store/types.ts';

export interface SessionReport {
  session: number;
  metric: string;
  goal: Goal;
  /** How far the measurement is out of the judged code's reach (docs/design.md, "Seal levels"). */
  seal: SealLevel;
  status: string;
  started_at: string;
  ended_at: string | null;
  end_reason: string | null;
  sandbox: string;
  proposer: string;
  decision_rule: string;
  /** Which design measured the effect and interaction tables (docs/design.md, "Designs"). */
  design: DesignName;
  /** That design in words, for the tables' headings, e.g. "fractional factorial 2^(5-1), resolution V, 16 runs; …". */
  design_label: string;
  baseline: { mean: number | null; sd: number | null; n: number };
  /** The best kept state, at its re-measured mean where it was re-measured; the baseline (experiment null) when nothing beat it. */
  best: { mean: number | null; experiment: number | null; delta: number | null };
  effects: {
    component: string;
    change: string;
    delta: number;
    ci_low: number | null;
    ci_high: number | null;
    n: number;
    significant: boolean;
    experiment: number;
    base_commit: string;
  }[];
  interactions: {
    a: string;
    b: string;
    interaction: number;
    ci_low: number | null;
    ci_high: number | null;
    n: number;
    significant: boolean;
    experiment: number;
    base_commit: string;
  }[];
  /** total: rows (one per launched run); kept/reverted: changes; crashed: runs that crashed, timed out or diverged. */
  experiments: { total: number; kept: number; reverted: number; crashed: number; changes: number; rejected: number; interrupted: number };
  expected_false_keeps: { value: number | null; rule: string; decisions: number; note: string };
  noise: { sd: number | null; df: number };
  /** mean: of the change's own runs; remeasured: its commit's later baseline/control runs. */
  kept: {
    experiment: number;
    description: string;
    mean: number;
    delta: number | null;
    p: number | null;
    n: number;
    commit: string | null;
    remeasured: { mean: number; n: number } | null;
  }[];
  /** expected: the commit's earlier fresh runs' mean, or the kept change's own mean right after a keep. */
  controls: { experiment: number; metric: number | null; expected: number | null }[];
  /** floor_<metric> from the runs' final lines, where the script reports one. */
  floor: number | null;
  /** What an LLM proposer spent on the session's experiments (discarded speculations are in llm_turns). */
  llm: { tokens_in: number; tokens_out: number; cost_usd: number };
}

export function summarize(session: SessionRow, rows: readonly ExperimentRow[]): SessionReport {
  const goal = session.goal;
  // Fresh runs of each commit (baseline and control runs), oldest first.
  const groups = runGroups(rows);
  const commitRuns = (commit: string) => groups.get(commitKey(commit)) ?? [];
  const meanOf = (runs: readonly ExperimentRow[]) => (runs.length > 0 ? mean(measured(runs)) : null);
  const baselineCommit = session.baseline_commit ?? rows.find((e) => e.kind === 'baseline')?.base_commit ?? '';
  const baselineRuns = measured(commitRuns(baselineCommit));
  const baselineMean = meanOf(commitRuns(baselineCommit));

  const runsOf = candidateRunIndex(rows);
  const kept = rows
    .filter((e) => e.decision === 'keep')
    .map((e) => {
      const runs = measured(runsOf(e));
      const fresh = e.commit_sha ? commitRuns(e.commit_sha) : [];
      return {
        experiment: e.id,
        description: e.description,
        mean: mean(runs),
        delta: e.delta,
        p: e.p_value,
        n: runs.length,
        commit: e.commit_sha,
        remeasured: fresh.length > 0 ? { mean: meanOf(fresh)!, n: fresh.length } : null,
      };
    });
  // A kept change's own runs were selected for looking good; its commit's fresh runs, where there are any, are the fair value.
  const value = (k: (typeof kept)[number]) => k.remeasured?.mean ?? k.mean;
  const better = (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);
  const bestKept = kept.reduce<(typeof kept)[number] | null>((b, k) => (b === null || better(value(k), value(b)) ? k : b), null);
  const bestMean = bestKept && (baselineMean === null || better(value(bestKept), baselineMean)) ? value(bestKept) : baselineMean;

  const families = effectFamilies(rows);
  const design = designOf(session);
  const designLabel =
    design === 'loco'
      ? LOCO_LABEL
      : (families.find((f) => f.design === 'factorial')?.label ?? 'fractional factorial, not estimable yet (too few points measured)');
  const effects = families.flatMap((f) =>
    f.result.effects.map((r, i) => ({
      component: r.component,
      change: r.change,
      delta: r.delta,
      ci_low: r.ciLow,
      ci_high: r.ciHigh,
      n: r.n,
      significant: r.significant,
      experiment: f.ablationRows[i]!.id,
      base_commit: f.baseCommit,
    })),
  );
  const interactions = families.flatMap((f) =>
    f.result.interactions.map((r, i) => ({
      a: r.a,
      b: r.b,
      interaction: r.interaction,
      ci_low: r.ciLow,
      ci_high: r.ciHigh,
      n: r.n,
      significant: r.significant,
      experiment: f.pairRows[i]!.id,
      base_commit: f.baseCommit,
    })),
  );

  const changes = rows.filter((e) => CANDIDATE_KINDS.has(e.kind));
  const noise = pooledSd([...groups.values()].map(measured));
  // What a control run checks: the commit's earlier fresh runs, or right after a keep, the kept change's own runs.
  const keptByCommit = new Map(kept.map((k) => [k.commit, k] as const));
  const expected = (control: ExperimentRow) =>
    meanOf(commitRuns(control.base_commit).filter((r) => r.id < control.id)) ?? keptByCommit.get(control.base_commit)?.mean ?? null;

  return {
    session: session.id,
    metric: session.metric,
    goal,
    seal: session.seal,
    status: session.status,
    started_at: session.started_at,
    ended_at: session.ended_at,
    end_reason: session.end_reason,
    sandbox: session.sandbox,
    proposer: session.proposer,
    decision_rule: session.decision_rule,
    design,
    design_label: designLabel,
    baseline: { mean: baselineMean, sd: baselineRuns.length > 1 ? sd(baselineRuns) : null, n: baselineRuns.length },
    best: {
      mean: bestMean,
      experiment: bestKept !== null && bestMean === value(bestKept) ? bestKept.experiment : null,
      delta: bestMean !== null && baselineMean !== null ? bestMean - baselineMean : null,
    },
    effects,
    interactions,
    experiments: {
      total: rows.length,
      kept: kept.length,
      reverted: changes.filter((e) => e.decision === 'revert').length,
      crashed: rows.filter((e) => isFailedRun(e.status)).length,
      changes: changes.filter((e) => e.retry_of === null).length,
      rejected: rows.filter((e) => e.status === 'rejected').length,
      interrupted: rows.filter((e) => e.status === 'interrupted').length,
    },
    expected_false_keeps: falseKeeps(session, rows),
    noise: { sd: noise.df > 0 ? noise.sd : null, df: noise.df },
    kept,
    controls: rows.filter((e) => e.kind === 'control').map((e) => ({ experiment: e.id, metric: e.metric, expected: expected(e) })),
    floor: rows.reduce<number | null>((f, e) => finalNumber(finalFields(e.eval_json ?? e.final_json), 'floor', ...floorNames(session.metric)) ?? f, null),
    llm: rows.reduce((t, e) => ({ tokens_in: t.tokens_in + e.tokens_in, tokens_out: t.tokens_out + e.tokens_out, cost_usd: t.cost_usd + e.cost_usd }), {
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: 0,
    }),
  };
}

/** The session's --design, from its stored options (absent in logs from before the option: leave-one-out). */
function designOf(session: SessionRow): DesignName {
  try {
    return (JSON.parse(session.options_json) as { design?: unknown }).design === 'factorial' ? 'factorial' : 'loco';
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return 'loco';
  }
}

function falseKeeps(session: SessionRow, rows: readonly ExperimentRow[]): SessionReport['expected_false_keeps'] {
  const decisions = decisionStates(rows, session.goal);
  if (session.decision_rule === 'greedy') {
    const value = expectedFalseKeeps(
      { name: 'greedy' },
      decisions.map((d) => d.state),
    );
    return { value, rule: 'greedy', decisions: decisions.length, note: `Σ P(a no-op run beats the best single run so far) over ${decisions.length} decisions` };
  }
  if (session.decision_rule === 'noise-aware') {
    // Only the final test can keep: a change reverted before it got all its runs contributes exactly 0, the others at most α.
    // The final test comes after at least minKeepRuns runs (more where the noise plan asked): an upper bound.
    const { alpha, minKeepRuns } = NOISE_AWARE_DEFAULTS;
    const tested = decisions.filter((d) => d.runs >= Math.max(minKeepRuns, d.minRuns)).map((d) => d.state);
    const value = expectedFalseKeeps({ name: 'noise-aware', alpha }, tested);
    return {
      value,
      rule: 'noise-aware',
      decisions: decisions.length,
      note: `at most α=${alpha} for each of the ${tested.length} of ${decisions.length} decisions that got the runs a final test needs (a change reverted after screening cannot be a false keep)`,
    };
  }
  return { value: null, rule: session.decision_rule, decisions: decisions.length, note: `unknown for the rule '${session.decision_rule}'` };
}
