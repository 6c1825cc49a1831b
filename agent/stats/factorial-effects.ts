/**
 * The effect and interaction tables from a factorial design, by least squares.
 *
 * Model and coding: factorial-model.ts (0/1, so a main effect is "ablate i alone" and an
 * interaction is Δ(i,j) − Δ(i) − Δ(j), as in the leave-one-out tables). The runs are the design
 * points plus the baseline's runs, which measure the all-zero point. The noise is the residual
 * SD: the baseline's within-group spread is already in the residuals (its runs are rows of the
 * fit), so it is not pooled in a second time. Multiple comparisons as in effects.ts: each table
 * is one family, its intervals simultaneous at 1 − familyAlpha by Bonferroni, and a row is
 * significant iff its interval excludes zero.
 */
import { modelColumns, modelRow } from './factorial-model.ts';
import type { Effects, EffectRow, InteractionRow } from './effects.ts';
import { interval } from './intervals.ts';
import { leastSquares } from './least-squares.ts';

export interface FactorialFactor {
  component: string;
  /** For the report, e.g. "true -> false". */
  change: string;
}

export interface FactorialRun {
  /** One 0/1 per factor: 1 where the run ablated it (all zero for a baseline run). */
  x: readonly number[];
  value: number;
}

/** The tables, or null when these runs cannot separate every effect and interaction (a design with too many points missing). */
export function factorialEffects(factors: readonly FactorialFactor[], runs: readonly FactorialRun[], familyAlpha = 0.05): Effects | null {
  if (!(familyAlpha > 0 && familyAlpha < 1)) throw new RangeError(`familyAlpha must be in (0, 1), got ${familyAlpha}`);
  const k = factors.length;
  const columns = modelColumns(k);
  const fit = leastSquares(
    runs.map((r) => modelRow(columns, r.x)),
    runs.map((r) => r.value),
  );
  if (!fit) return null;
  const pairs = columns.length - 1 - k;
  const levels = { effects: 1 - familyAlpha / Math.max(1, k), interactions: 1 - familyAlpha / Math.max(1, pairs) };
  const bounds = (c: number, level: number) => {
    if (fit.df === 0) return { ciLow: null, ciHigh: null, significant: false };
    const ci = interval({ estimate: fit.coefficients[c]!, se: fit.se[c]!, df: fit.df }, level);
    return { ciLow: ci.low, ciHigh: ci.high, significant: ci.low > 0 || ci.high < 0 };
  };
  const ablated = (...fs: number[]) => runs.filter((r) => fs.every((f) => r.x[f] === 1)).length;
  const effects: EffectRow[] = [];
  const interactions: InteractionRow[] = [];
  columns.forEach((column, c) => {
    if (column.type === 'main') {
      const { component, change } = factors[column.i]!;
      effects.push({ component, change, delta: fit.coefficients[c]!, ...bounds(c, levels.effects), n: ablated(column.i) });
    } else if (column.type === 'pair') {
      const a = factors[column.i]!;
      const b = factors[column.j]!;
      interactions.push({
        a: a.component,
        b: b.component,
        changeA: a.change,
        changeB: b.change,
        interaction: fit.coefficients[c]!,
        ...bounds(c, levels.interactions),
        n: ablated(column.i, column.j),
      });
    }
  });
  return { effects, interactions, noise: { sd: fit.sd, df: fit.df }, levels };
}
