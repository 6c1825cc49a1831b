/** Descriptive statistics of plain arrays of numbers. */

/** Summed as offsets from the first value: runs that never vary get exactly their value back, so zero noise stays exactly zero. */
export function mean(xs: readonly number[]): number {
  const first = xs[0];
  if (first === undefined) throw new RangeError('mean of an empty group');
  let offsets = 0;
  for (const x of xs) offsets += x - first;
  return first + offsets / xs.length;
}

/** Sum of squared deviations from the group mean. */
export function sumSquares(xs: readonly number[]): number {
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return ss;
}

/** Sample variance (n − 1 denominator); NaN for fewer than two values. */
export function variance(xs: readonly number[]): number {
  return xs.length < 2 ? NaN : sumSquares(xs) / (xs.length - 1);
}

export function sd(xs: readonly number[]): number {
  return Math.sqrt(variance(xs));
}

export interface PooledSd {
  /** √(Σ within-group sums of squares / df); NaN where df = 0. */
  sd: number;
  /** Σ (nᵢ − 1) over the groups. */
  df: number;
}

/**
 * Pooled within-group SD: every group is repeated runs of one configuration, and noise is
 * assumed equal across configurations, so differences between group means never enter.
 * Groups of one run add nothing and are skipped.
 */
export function pooledSd(groups: readonly (readonly number[])[]): PooledSd {
  let ss = 0;
  let df = 0;
  for (const g of groups) {
    if (g.length < 2) continue;
    ss += sumSquares(g);
    df += g.length - 1;
  }
  return { sd: df > 0 ? Math.sqrt(ss / df) : NaN, df };
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
