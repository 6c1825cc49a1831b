import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { normalCdf } from '../stats/normal.ts';

/**
 * A small Gaussian process over the unit cube, for the planner's knob search. npm has no
 * maintained Gaussian-process or Bayesian-optimisation package (the hyperopt port `hyperparameters`
 * draws from an unseeded Math.random and is little used), so the model is ours and the linear
 * algebra is mljs's `ml-matrix` (pinned; widely used, kept up): its Cholesky factorisation.
 *
 * Matérn 5/2 kernel with one length scale (the inputs are already scaled to [0, 1] per knob),
 * unit signal variance on standardised y, and a noise term: every run is noisy and the same
 * configuration may appear twice. The length scale and noise come from a fixed grid by marginal
 * likelihood, so a fit is deterministic and never fails to converge.
 */

const LENGTH_SCALES = [0.1, 0.2, 0.3, 0.5, 0.8, 1.2];
const NOISE_VARIANCES = [1e-3, 1e-2, 0.05, 0.2];
const JITTER = 1e-8;

export interface Prediction {
  mean: number;
  sd: number;
}

export interface Gp {
  predict(x: readonly number[]): Prediction;
  lengthScale: number;
  /** The run-to-run noise SD the fit found, in the values' units. */
  noiseSd: number;
}

function matern52(a: readonly number[], b: readonly number[], lengthScale: number): number {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) d2 += (a[i]! - b[i]!) ** 2;
  const r = (Math.sqrt(5) * Math.sqrt(d2)) / lengthScale;
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

/** Solves L v = b for lower-triangular L. */
function forward(lower: Matrix, b: readonly number[]): number[] {
  const v: number[] = [];
  for (let i = 0; i < b.length; i++) {
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= lower.get(i, j) * v[j]!;
    v.push(s / lower.get(i, i));
  }
  return v;
}

interface Candidate {
  lengthScale: number;
  noiseVariance: number;
  lower: Matrix;
  alpha: number[];
  logLikelihood: number;
}

function fitOne(xs: readonly (readonly number[])[], ys: readonly number[], lengthScale: number, noiseVariance: number): Candidate | null {
  const n = xs.length;
  const k = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) k.set(i, j, matern52(xs[i]!, xs[j]!, lengthScale) + (i === j ? noiseVariance + JITTER : 0));
  }
  const cholesky = new CholeskyDecomposition(k);
  if (!cholesky.isPositiveDefinite()) return null;
  const alpha = cholesky.solve(Matrix.columnVector([...ys])).to1DArray();
  const lower = cholesky.lowerTriangularMatrix;
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(lower.get(i, i));
  const fit = ys.reduce((s, y, i) => s + y * alpha[i]!, 0);
  return { lengthScale, noiseVariance, lower, alpha, logLikelihood: -0.5 * fit - logDet - (n / 2) * Math.log(2 * Math.PI) };
}

/** Fits a GP to points in [0, 1]^d and their values; null with fewer than two points. */
export function fitGp(xs: readonly (readonly number[])[], values: readonly number[]): Gp | null {
  if (xs.length < 2) return null;
  const mu = values.reduce((s, v) => s + v, 0) / values.length;
  const spread = Math.sqrt(values.reduce((s, v) => s + (v - mu) ** 2, 0) / values.length);
  const scale = spread > 0 ? spread : 1;
  const ys = values.map((v) => (v - mu) / scale);
  let best: Candidate | null = null;
  for (const l of LENGTH_SCALES) {
    for (const s of NOISE_VARIANCES) {
      const c = fitOne(xs, ys, l, s);
      if (c && (!best || c.logLikelihood > best.logLikelihood)) best = c;
    }
  }
  if (!best) return null;
  const { lower, alpha, lengthScale, noiseVariance } = best;
  return {
    lengthScale,
    noiseSd: scale * Math.sqrt(noiseVariance),
    predict(x) {
      const kx = xs.map((xi) => matern52(x, xi, lengthScale));
      const mean = kx.reduce((s, kv, i) => s + kv * alpha[i]!, 0);
      const v = forward(lower, kx);
      const variance = Math.max(1 - v.reduce((s, vi) => s + vi * vi, 0), 1e-12);
      return { mean: mu + scale * mean, sd: scale * Math.sqrt(variance) };
    },
  };
}

/** Expected improvement below `best` (lower is better) of a prediction. */
export function expectedImprovement(p: Prediction, best: number): number {
  if (p.sd <= 0) return Math.max(best - p.mean, 0);
  const z = (best - p.mean) / p.sd;
  const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  return (best - p.mean) * normalCdf(z) + p.sd * density;
}
