/** Student's t distribution for any real df > 0 (Welch–Satterthwaite gives non-integer df). */
import { normalCdf, normalQuantile } from './normal.ts';
import { logGamma, regularizedBeta } from './special.ts';

function checkDf(df: number): void {
  if (!(df > 0)) throw new RangeError(`t distribution: df must be > 0, got ${df}`);
}

export function tPdf(t: number, df: number): number {
  checkDf(df);
  if (df === Infinity) return Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** P(T ≤ t). Lower tails are computed directly, so tCdf(-t) is an accurate upper tail. */
export function tCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (df === Infinity) return normalCdf(t);
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t < 0 ? tail : 1 - tail;
}

/** The t with P(T ≤ t) = p. */
export function tQuantile(p: number, df: number): number {
  checkDf(df);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`tQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (df === Infinity) return normalQuantile(p);
  if (p > 0.5) return -tQuantile(1 - p, df);
  // Closed forms where they exist; otherwise Newton from the normal guess, kept in a bracket.
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  let lo = -1;
  while (tCdf(lo, df) > p) lo *= 2;
  let hi = 0;
  let t = Math.max(lo, Math.min(hi, normalQuantile(p)));
  for (let i = 0; i < 200; i++) {
    const f = tCdf(t, df) - p;
    if (f > 0) hi = t;
    else lo = t;
    const step = f / tPdf(t, df);
    let next = t - step;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-13 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}
