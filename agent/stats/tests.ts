/** One-sided t-tests. `delta` is always mean(a) − mean(b) (or the mean of a − b when paired). */
import { mean, pooledSd, sd, type PooledSd } from './descriptive.ts';
import { differenceContrast, type ContrastEstimate } from './contrast.ts';
import { tCdf } from './t-dist.ts';

/** The alternative hypothesis: the true delta is below zero ('less') or above it ('greater'). */
export type Alternative = 'less' | 'greater';

export interface TestResult {
  delta: number;
  se: number;
  df: number;
  t: number;
  /** One-sided p-value against the alternative. */
  p: number;
}

/**
 * A t statistic and its one-sided p. With SE = 0 (runs without spread) a nonzero delta is exact:
 * p is 0 or 1 by its sign (0.5 for no difference). Without df there is no test: p is NaN.
 */
export function oneSided(c: ContrastEstimate, alternative: Alternative): TestResult {
  let t = NaN;
  if (c.se > 0) t = c.estimate / c.se;
  else if (c.se === 0) t = c.estimate === 0 ? 0 : Math.sign(c.estimate) * Infinity;
  const towards = alternative === 'less' ? t : -t;
  let p = NaN;
  if (towards === Infinity || towards === -Infinity) p = towards < 0 ? 0 : 1;
  else if (c.df > 0) p = tCdf(towards, c.df);
  return { delta: c.estimate, se: c.se, df: c.df, t, p };
}

/** Welch's test: each group its own variance, Welch–Satterthwaite df. */
export function welchTest(a: readonly number[], b: readonly number[], alternative: Alternative): TestResult {
  const c = differenceContrast(a, b);
  return oneSided(c, alternative);
}

/**
 * Student's test with one noise SD for both groups: by default pooled from a and b, or an
 * estimate pooled over more groups (earlier baselines, controls) that share the noise.
 */
export function pooledTTest(a: readonly number[], b: readonly number[], alternative: Alternative, noise: PooledSd = pooledSd([a, b])): TestResult {
  const c = differenceContrast(a, b, noise);
  return oneSided(c, alternative);
}

/** Paired test on aᵢ − bᵢ (same seeds): n − 1 df. */
export function pairedTTest(a: readonly number[], b: readonly number[], alternative: Alternative): TestResult {
  if (a.length !== b.length || a.length < 2) {
    throw new RangeError('pairedTTest needs two equal-length groups of at least two runs');
  }
  const d = a.map((x, i) => x - b[i]!);
  return oneSided({ estimate: mean(d), se: sd(d) / Math.sqrt(d.length), df: d.length - 1 }, alternative);
}
