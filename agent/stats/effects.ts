/**
 * The report's effect and interaction tables from plain groups of runs.
 *
 * One noise SD is pooled over every group (baseline, each ablation, each pair, and any other
 * repeated runs given), so every interval uses the same well-estimated noise and its df.
 * Multiple comparisons: each table is one family, and its intervals are simultaneous at
 * 1 − familyAlpha by Bonferroni (each at 1 − familyAlpha/m, m = rows in the table). A row is
 * significant iff its interval excludes zero, so the table never shows an interval that
 * excludes zero beside "not significant"; the chance that any null row of a table is flagged
 * is at most familyAlpha. (Holm would flag a little more but has no matching intervals.)
 */
import { pooledSd, type PooledSd } from './descriptive.ts';
import { differenceContrast, interactionContrast, type ContrastEstimate } from './contrast.ts';
import { interval } from './intervals.ts';

export interface AblationGroup {
  component: string;
  /** For the report, e.g. "true -> false". */
  change: string;
  runs: readonly number[];
}

/** Runs with two ablations applied together; `a` and `b` index the ablations. */
export interface PairGroup {
  a: number;
  b: number;
  runs: readonly number[];
}

export interface EffectsInput {
  baseline: readonly number[];
  ablations: readonly AblationGroup[];
  pairs?: readonly PairGroup[];
  /** Other groups of repeated runs of one configuration, for the noise estimate only. */
  noiseGroups?: readonly (readonly number[])[];
}

export interface EffectsOptions {
  /** Family-wise error rate of each table (default 0.05). */
  familyAlpha?: number;
}

export interface EffectRow {
  component: string;
  change: string;
  /** Mean with the ablation minus baseline mean, in the metric's units. */
  delta: number;
  ciLow: number | null;
  ciHigh: number | null;
  n: number;
  significant: boolean;
}

export interface InteractionRow {
  a: string;
  b: string;
  changeA: string;
  changeB: string;
  /** Δ(a and b) − Δ(a) − Δ(b): zero when the two ablations add up. */
  interaction: number;
  ciLow: number | null;
  ciHigh: number | null;
  n: number;
  significant: boolean;
}

export interface Effects {
  effects: EffectRow[];
  interactions: InteractionRow[];
  noise: PooledSd;
  /** The confidence level of each interval (after the Bonferroni split) per table. */
  levels: { effects: number; interactions: number };
}

export function estimateEffects(input: EffectsInput, options: EffectsOptions = {}): Effects {
  const familyAlpha = options.familyAlpha ?? 0.05;
  if (!(familyAlpha > 0 && familyAlpha < 1)) throw new RangeError(`familyAlpha must be in (0, 1), got ${familyAlpha}`);
  if (input.baseline.length === 0) throw new RangeError('effects need at least one baseline run');
  const pairs = input.pairs ?? [];
  for (const group of [...input.ablations.map((x) => x.runs), ...pairs.map((x) => x.runs)]) {
    if (group.length === 0) throw new RangeError('every ablation and pair needs at least one run');
  }
  const noise = pooledSd([input.baseline, ...input.ablations.map((x) => x.runs), ...pairs.map((x) => x.runs), ...(input.noiseGroups ?? [])]);
  const effectsLevel = 1 - familyAlpha / Math.max(1, input.ablations.length);
  const interactionsLevel = 1 - familyAlpha / Math.max(1, pairs.length);

  const effects = input.ablations.map((x): EffectRow => {
    const c = differenceContrast(x.runs, input.baseline, noise);
    return { component: x.component, change: x.change, delta: c.estimate, ...bounds(c, noise, effectsLevel), n: x.runs.length };
  });

  const interactions = pairs.map((pair): InteractionRow => {
    const a = input.ablations[pair.a];
    const b = input.ablations[pair.b];
    if (!a || !b || pair.a === pair.b) throw new RangeError(`pair (${pair.a}, ${pair.b}) must name two different ablations`);
    const c = interactionContrast({ both: pair.runs, onlyA: a.runs, onlyB: b.runs, none: input.baseline }, noise);
    return {
      a: a.component,
      b: b.component,
      changeA: a.change,
      changeB: b.change,
      interaction: c.estimate,
      ...bounds(c, noise, interactionsLevel),
      n: pair.runs.length,
    };
  });

  return { effects, interactions, noise, levels: { effects: effectsLevel, interactions: interactionsLevel } };
}

function bounds(c: ContrastEstimate, noise: PooledSd, level: number): { ciLow: number | null; ciHigh: number | null; significant: boolean } {
  if (noise.df === 0) return { ciLow: null, ciHigh: null, significant: false };
  const ci = interval(c, level);
  return { ciLow: ci.low, ciHigh: ci.high, significant: ci.low > 0 || ci.high < 0 };
}
