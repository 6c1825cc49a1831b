/** Snedecor's F distribution, for comparing two variances. */
import { regularizedBeta } from './special.ts';

/** P(F ≤ f) for F with (d1, d2) degrees of freedom. */
export function fCdf(f: number, d1: number, d2: number): number {
  if (!(d1 > 0 && d2 > 0)) throw new RangeError(`F distribution: df must be > 0, got (${d1}, ${d2})`);
  if (Number.isNaN(f)) return NaN;
  if (f <= 0) return 0;
  if (f === Infinity) return 1;
  return regularizedBeta((d1 * f) / (d1 * f + d2), d1 / 2, d2 / 2);
}

/** Two-sided p-value of a variance ratio: how unlikely a ratio this far from 1, either way. */
export function varianceRatioP(ratio: number, d1: number, d2: number): number {
  const lower = fCdf(ratio, d1, d2);
  return Math.min(1, 2 * Math.min(lower, 1 - lower));
}
