/**
 * What the night found, at the top of the report (`learned` in its JSON; the Markdown and the
 * HTML report render the same object): the kept changes with their intervals, the significant
 * effects and interactions, the components found dispensable with the smallest effect the
 * session could have seen, the invalid runs and why, what the night cost, and what to try next
 * (agent/report/suggestions.ts). Pure: a function of the rows and the report's own tables.
 */
import type { EffectFamily } from '../analysis/session-effects.ts';
import type { Goal } from '../decide/types.ts';
import type { Marker } from '../knobs/markers.ts';
import { finishedCount } from '../session/kinds.ts';
import { isSimplification } from '../session/simplification.ts';
import { tQuantile } from '../stats/t-dist.ts';
import type { LlmTotals } from '../store/llm-turns.ts';
import type { ExperimentRow } from '../store/types.ts';
import { suggestions, type Suggestion } from './suggestions.ts';

/** The kept change as the report has it (summary.ts). */
export interface KeptInput {
  experiment: number;
  description: string;
  delta_at_decision: number | null;
  delta_remeasured: number | null;
  at_decision: { ci_low: number | null; ci_high: number | null };
  remeasured: { ci_low: number | null; ci_high: number | null } | null;
}

/** One component's effect in the latest table that measured it, with what that table could see. */
export interface ComponentEffect {
  component: string;
  change: string;
  delta: number;
  ci_low: number | null;
  ci_high: number | null;
  n: number;
  significant: boolean;
  experiment: number;
  /** Half the width of the effect's simultaneous interval: effects beyond it either way are ruled out. */
  half_width: number | null;
  /** The true effect the table's own test would find with 80% power: (t(1−α/2m, df) + t(0.80, df)) × SE. */
  mde80: number | null;
  /** The table's noise SD and its df, and the confidence level of each of its intervals (Bonferroni). */
  noise_sd: number | null;
  df: number;
  level: number;
}

export interface Learned {
  kept: {
    experiment: number;
    description: string;
    /** The change only removes (every ablation a removal; the report's rows carry no diffs, so an LLM edit reads false). */
    simplification: boolean;
    delta_at_decision: number | null;
    at_decision_ci: [number, number] | null;
    delta_remeasured: number | null;
    remeasured_ci: [number, number] | null;
  }[];
  /** needed: ablating it makes the metric worse; harmful: ablating it makes it better. */
  effects: (ComponentEffect & { verdict: 'needed' | 'harmful' })[];
  interactions: { a: string; b: string; interaction: number; ci_low: number | null; ci_high: number | null; experiment: number }[];
  /** Components whose ablation changed nothing the session could see; mde80 says how small "nothing" is. */
  dispensable: ComponentEffect[];
  invalid: { experiment: number; kind: string; description: string; reason: string }[];
  cost: {
    runs: number;
    /** Σ over runs of their wall time, start to end (training and evaluation), times the GPUs each held, in hours. */
    gpu_hours: number;
    /** From llm_turns where the report was given them (every request, discarded proposals included), else the experiments' sums. */
    tokens_in: number;
    tokens_out: number;
    cost_usd: number;
    llm_turns: number | null;
  };
  next: Suggestion[];
}

export interface LearnedInput {
  goal: Goal;
  rows: readonly ExperimentRow[];
  kept: readonly KeptInput[];
  families: readonly EffectFamily[];
  /** The sandbox's markers, where the report could read them (for the knob suggestions). */
  markers: readonly Marker[] | null;
  llmTurns: LlmTotals | null;
}

const pair = (lo: number | null, hi: number | null): [number, number] | null => (lo === null || hi === null ? null : [lo, hi]);

export function learned({ goal, rows, kept, families, markers, llmTurns }: LearnedInput): Learned {
  const byId = new Map(rows.map((e) => [e.id, e] as const));
  const components = latestEffects(families);
  const worse = (delta: number) => (goal === 'minimize' ? delta > 0 : delta < 0);
  const interactions = families.flatMap((f) =>
    f.result.interactions.flatMap((r, i) =>
      r.significant ? [{ a: r.a, b: r.b, interaction: r.interaction, ci_low: r.ciLow, ci_high: r.ciHigh, experiment: f.pairRows[i]!.id }] : [],
    ),
  );
  return {
    kept: kept.map((k) => {
      const row = byId.get(k.experiment);
      return {
        experiment: k.experiment,
        description: k.description,
        simplification: row !== undefined && isSimplification(row),
        delta_at_decision: k.delta_at_decision,
        at_decision_ci: pair(k.at_decision.ci_low, k.at_decision.ci_high),
        delta_remeasured: k.delta_remeasured,
        remeasured_ci: k.remeasured && pair(k.remeasured.ci_low, k.remeasured.ci_high),
      };
    }),
    effects: components.filter((c) => c.significant).map((c) => ({ ...c, verdict: worse(c.delta) ? 'needed' : 'harmful' })),
    interactions,
    dispensable: components.filter((c) => !c.significant),
    invalid: rows
      .filter((e) => e.status === 'invalid')
      .map((e) => ({ experiment: e.id, kind: e.kind, description: e.description, reason: e.reason ?? 'no reason stored' })),
    cost: cost(rows, llmTurns),
    next: suggestions({ rows, components, families, markers }),
  };
}

/**
 * Each component at its latest measurement: after a keep, leave-one-out re-measures the single
 * ablations on the new baseline, and that family is the one that describes the code as it is.
 */
function latestEffects(families: readonly EffectFamily[]): ComponentEffect[] {
  const latest = new Map<string, ComponentEffect>();
  for (const f of families) {
    const { df, sd } = f.result.noise;
    const tCrit = df > 0 ? tQuantile(1 - (1 - f.result.levels.effects) / 2, df) : null;
    f.result.effects.forEach((r, i) => {
      const half = r.ciLow === null || r.ciHigh === null ? null : (r.ciHigh - r.ciLow) / 2;
      const se = half === null || tCrit === null ? null : half / tCrit;
      latest.set(`${r.component} ${r.change}`, {
        component: r.component,
        change: r.change,
        delta: r.delta,
        ci_low: r.ciLow,
        ci_high: r.ciHigh,
        n: r.n,
        significant: r.significant,
        experiment: f.ablationRows[i]!.id,
        half_width: half,
        mde80: se === null ? null : (tCrit! + tQuantile(0.8, df)) * se,
        noise_sd: df > 0 ? sd : null,
        df,
        level: f.result.levels.effects,
      });
    });
  }
  return [...latest.values()];
}

/** The GPUs a run held (its `gpus` list); a run with none recorded (a CPU slot, an older log) counts as one. */
const gpusHeld = (e: ExperimentRow): number => Math.max(1, (e.gpus ?? '').split(',').filter((g) => g.trim() !== '').length);

function cost(rows: readonly ExperimentRow[], llmTurns: LlmTotals | null): Learned['cost'] {
  let seconds = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  let usd = 0;
  for (const e of rows) {
    const wall = e.started_at && e.ended_at ? (Date.parse(e.ended_at) - Date.parse(e.started_at)) / 1000 : (e.run_s ?? 0) + (e.eval_s ?? 0);
    seconds += Math.max(0, wall) * gpusHeld(e);
    tokensIn += e.tokens_in;
    tokensOut += e.tokens_out;
    usd += e.cost_usd;
  }
  const turns = llmTurns !== null && llmTurns.turns > 0 ? llmTurns : null;
  return {
    runs: finishedCount(rows),
    gpu_hours: seconds / 3600,
    tokens_in: turns?.tokensIn ?? tokensIn,
    tokens_out: turns?.tokensOut ?? tokensOut,
    cost_usd: turns?.costUsd ?? usd,
    llm_turns: turns?.turns ?? null,
  };
}
