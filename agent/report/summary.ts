/**
 * The session report's numbers (the `report --format json` shape outside readers rely on, plus a
 * few fields the Markdown uses): baseline, best, effects and interactions with intervals, counts, and the
 * expected number of false keeps under the session's decision rule.
 */
import { effectFamilies, LOCO_LABEL, type DesignName } from '../analysis/session-effects.ts';
import type { Goal } from '../decide/types.ts';
import type { SealLevel } from '../config/load.ts';
import type { Marker } from '../knobs/markers.ts';
import { learned, type Learned } from './learned.ts';
import { mean, sd } from '../stats/descriptive.ts';
import { sessionNoise, type SessionNoise } from './session-noise.ts';
import { falseKeeps } from './false-keeps.ts';
import type { LlmTotals } from '../store/llm-turns.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { finalFields, finalNumber, floorNames } from '../runner/final-fields.ts';
import { candidateRunIndex, measured } from '../session/candidates.ts';
import { deltasOf, type DeltaAtDecision, type DeltaRemeasured } from '../session/kept-deltas.ts';
import { commitKey, runGroups } from '../session/groups.ts';
import { calibration, predictions, type Calibration } from '../session/calibration.ts';
import { CANDIDATE_KINDS } from '../session/kinds.ts';
import { isFailedRun } from '../store/types.ts';
import { slotsView, type SlotsView } from '../query/slots.ts';

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
  /**
   * The current baseline, what the next change is compared with: the last kept commit's own
   * fresh baseline/control runs (experiment: the kept change that made it; null for the session's
   * start). mean null while a new commit is still being measured. "Baseline" means this one everywhere.
   */
  baseline: { mean: number | null; sd: number | null; n: number; commit: string; experiment: number | null };
  /** The session's first baseline, what the night started from. */
  start: { mean: number | null; sd: number | null; n: number; commit: string };
  /** The best kept state, at its re-measured mean where it was re-measured; the start (experiment null) when nothing beat it. delta: best − start. */
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
  /** The noise the verdicts used: the latest one's pool, the seed correlation, how they compared, the groups set aside. */
  noise: SessionNoise;
  /**
   * mean, n: of the change's own runs. Two deltas, each labelled where shown (agent/session/kept-deltas.ts):
   * delta_at_decision against the baseline it was decided on, delta_remeasured (null until measured)
   * of its commit's fresh runs against the previous baseline's runs; at_decision and remeasured hold their details.
   */
  kept: {
    experiment: number;
    description: string;
    mean: number;
    n: number;
    commit: string | null;
    delta_at_decision: number | null;
    delta_remeasured: number | null;
    at_decision: DeltaAtDecision;
    remeasured: DeltaRemeasured | null;
  }[];
  /** expected: the commit's earlier fresh runs' mean, or the kept change's own mean right after a keep. */
  controls: { experiment: number; metric: number | null; expected: number | null }[];
  /** floor_<metric> from the runs' final lines, where the script reports one. */
  floor: number | null;
  /** What an LLM proposer spent on the session's experiments (discarded speculations are in llm_turns). */
  llm: { tokens_in: number; tokens_out: number; cost_usd: number };
  /** How well an LLM proposer's predicted deltas matched the verdicts' (session/calibration.ts); n 0 where it predicted none. */
  predictions: Calibration;
  /** What the night found, for the top of the report (agent/report/learned.ts). */
  learned: Learned;
  /** A session with several runs at once: its slots, where the runs went, how busy they were (query/slots.ts); null for one at a time. */
  slots: SlotsView | null;
  /** The agenda an LLM proposer kept (write_plan): its latest version, and how many it wrote; null where it wrote none. */
  agenda: { plan: string; written_at: string; versions: number } | null;
}

/** What the report reads beside the rows, where its caller has it. */
export interface ReportExtras {
  /** The session's llm_turns, summed: the night's whole LLM cost, discarded proposals included. */
  llmTurns?: LlmTotals | null;
  /** The sandbox's markers, for the knob suggestions (agent/report/session-markers.ts). */
  markers?: readonly Marker[] | null;
  agenda?: SessionReport['agenda'];
}

export function summarize(session: SessionRow, rows: readonly ExperimentRow[], extras: ReportExtras = {}): SessionReport {
  const goal = session.goal;
  // Fresh runs of each commit (baseline and control runs), oldest first.
  const groups = runGroups(rows);
  const commitRuns = (commit: string) => groups.get(commitKey(commit)) ?? [];
  const meanOf = (runs: readonly ExperimentRow[]) => (runs.length > 0 ? mean(measured(runs)) : null);
  const startCommit = session.baseline_commit ?? rows.find((e) => e.kind === 'baseline')?.base_commit ?? '';
  const startRuns = measured(commitRuns(startCommit));
  const startMean = meanOf(commitRuns(startCommit));

  const runsOf = candidateRunIndex(rows);
  const kept = rows
    .filter((e) => e.decision === 'keep')
    .map((e) => {
      const runs = measured(runsOf(e));
      const deltas = deltasOf([...commitRuns(e.base_commit), ...(e.commit_sha ? commitRuns(e.commit_sha) : []), ...runsOf(e)], e);
      return {
        experiment: e.id,
        description: e.description,
        mean: mean(runs),
        n: runs.length,
        commit: e.commit_sha,
        delta_at_decision: deltas.at_decision.delta,
        delta_remeasured: deltas.remeasured?.delta ?? null,
        ...deltas,
      };
    });
  // A kept change's own runs were selected for looking good; its commit's fresh runs, where there are any, are the fair value.
  const value = (k: (typeof kept)[number]) => k.remeasured?.mean ?? k.mean;
  const better = (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);
  const bestKept = kept.reduce<(typeof kept)[number] | null>((b, k) => (b === null || better(value(k), value(b)) ? k : b), null);
  const bestMean = bestKept && (startMean === null || better(value(bestKept), startMean)) ? value(bestKept) : startMean;
  // The current baseline: the last kept commit, measured afresh (its own runs were selected for looking good).
  const lastKept = kept.at(-1);
  const headCommit = lastKept?.commit ?? startCommit;
  const headRuns = measured(commitRuns(headCommit));

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
    baseline: {
      mean: headRuns.length > 0 ? mean(headRuns) : null,
      sd: headRuns.length > 1 ? sd(headRuns) : null,
      n: headRuns.length,
      commit: headCommit,
      experiment: lastKept?.experiment ?? null,
    },
    start: { mean: startMean, sd: startRuns.length > 1 ? sd(startRuns) : null, n: startRuns.length, commit: startCommit },
    best: {
      mean: bestMean,
      experiment: bestKept !== null && bestMean === value(bestKept) ? bestKept.experiment : null,
      delta: bestMean !== null && startMean !== null ? bestMean - startMean : null,
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
    noise: sessionNoise(rows, [...groups.values()].map(measured)),
    kept,
    controls: rows.filter((e) => e.kind === 'control').map((e) => ({ experiment: e.id, metric: e.metric, expected: expected(e) })),
    floor: rows.reduce<number | null>((f, e) => finalNumber(finalFields(e.eval_json ?? e.final_json), 'floor', ...floorNames(session.metric)) ?? f, null),
    llm: rows.reduce((t, e) => ({ tokens_in: t.tokens_in + e.tokens_in, tokens_out: t.tokens_out + e.tokens_out, cost_usd: t.cost_usd + e.cost_usd }), {
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: 0,
    }),
    predictions: calibration(predictions(rows), goal),
    learned: learned({ goal, rows, kept, families, markers: extras.markers ?? null, llmTurns: extras.llmTurns ?? null }),
    // Up to the session's end, or its agent's last heartbeat while it runs: the report reads no clock.
    slots: slotsView(session, rows, Date.parse(session.ended_at ?? session.heartbeat_at ?? session.started_at)),
    agenda: extras.agenda ?? null,
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
