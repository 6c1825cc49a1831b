/**
 * Linear contrasts of group means, Σ wᵢ·mean(gᵢ): a difference of means is (+1, −1), an
 * interaction Δ(a,b) − Δ(a) − Δ(b) is (+1 both, −1 a, −1 b, +1 none). Tests and intervals
 * are built on this one estimate.
 */
import { mean, variance, type PooledSd } from './descriptive.ts';

export interface ContrastTerm {
  values: readonly number[];
  weight: number;
}

export interface ContrastEstimate {
  estimate: number;
  se: number;
  df: number;
}

/**
 * With `noise`, the SE uses that pooled SD and its df: SE = s·√Σ(wᵢ²/nᵢ). Without it, each
 * group uses its own variance and df follows Welch–Satterthwaite, so every group needs two runs.
 */
export function linearContrast(terms: readonly ContrastTerm[], noise?: PooledSd): ContrastEstimate {
  let estimate = 0;
  for (const { values, weight } of terms) estimate += weight * mean(values);
  if (noise) {
    let k = 0;
    for (const { values, weight } of terms) k += (weight * weight) / values.length;
    return { estimate, se: noise.sd * Math.sqrt(k), df: noise.df };
  }
  let se2 = 0;
  let dfDenominator = 0;
  let dfPooled = 0;
  for (const { values, weight } of terms) {
    if (values.length < 2) {
      throw new RangeError('Welch–Satterthwaite needs at least two runs in every group');
    }
    const part = (weight * weight * variance(values)) / values.length;
    se2 += part;
    dfDenominator += (part * part) / (values.length - 1);
    dfPooled += values.length - 1;
  }
  // All groups without spread: Satterthwaite's 0/0; the plain pooled df is the honest count.
  const df = dfDenominator > 0 ? (se2 * se2) / dfDenominator : dfPooled;
  return { estimate, se: Math.sqrt(se2), df };
}

export interface FourGroups {
  /** Both a and b changed. */
  both: readonly number[];
  onlyA: readonly number[];
  onlyB: readonly number[];
  /** Neither changed: the baseline. */
  none: readonly number[];
}

/** mean(a) − mean(b). */
export function differenceContrast(a: readonly number[], b: readonly number[], noise?: PooledSd): ContrastEstimate {
  return linearContrast(
    [
      { values: a, weight: 1 },
      { values: b, weight: -1 },
    ],
    noise,
  );
}

/** Δ(a,b) − Δ(a) − Δ(b) = m_ab − m_a − m_b + m_0: zero when the two changes add up. */
export function interactionContrast(g: FourGroups, noise?: PooledSd): ContrastEstimate {
  return linearContrast(
    [
      { values: g.both, weight: 1 },
      { values: g.onlyA, weight: -1 },
      { values: g.onlyB, weight: -1 },
      { values: g.none, weight: 1 },
    ],
    noise,
  );
}
