/** Two-sided confidence intervals for a difference of means and for an interaction contrast. */
import type { PooledSd } from './descriptive.ts';
import { differenceContrast, interactionContrast, type ContrastEstimate, type FourGroups } from './contrast.ts';
import { tQuantile } from './t-dist.ts';

export interface Interval extends ContrastEstimate {
  low: number;
  high: number;
}

/** estimate ± t(1 − (1 − level)/2, df)·SE; NaN bounds where there is no df to use. */
export function interval(c: ContrastEstimate, level = 0.95): Interval {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const half = c.df > 0 ? tQuantile(1 - (1 - level) / 2, c.df) * c.se : NaN;
  return { ...c, low: c.estimate - half, high: c.estimate + half };
}

/** mean(a) − mean(b); pooled SD when `noise` is given, Welch otherwise. */
export function meanDiffInterval(a: readonly number[], b: readonly number[], level = 0.95, noise?: PooledSd): Interval {
  return interval(differenceContrast(a, b, noise), level);
}

/**
 * Δ(a,b) − Δ(a) − Δ(b) = m_ab − m_a − m_b + m_0: zero when the two changes add up.
 * SE = s·√(1/n_ab + 1/n_a + 1/n_b + 1/n_0) with a pooled SD, Welch–Satterthwaite otherwise.
 */
export function interactionInterval(g: FourGroups, level = 0.95, noise?: PooledSd): Interval {
  return interval(interactionContrast(g, noise), level);
}
