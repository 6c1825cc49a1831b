/**
 * Ordinary least squares with coefficient standard errors, for the factorial design's analysis.
 *
 * The linear algebra is ml-matrix's Householder QR (mljs, already pinned for the planner's
 * Gaussian-process knob search): QR solves the least-squares problem without forming XᵀX, so
 * a model of ~80 columns of 0/1 products stays accurate, and R gives (XᵀX)⁻¹ = R⁻¹R⁻ᵀ for the
 * standard errors. Rank is judged here, with a relative tolerance on R's diagonal: ml-matrix's
 * own check only catches an exact zero, and a design with a missing point is rank-deficient
 * by a rounding error, not by exactly zero.
 */
import { Matrix, QrDecomposition, inverse } from 'ml-matrix';

export interface LeastSquaresFit {
  coefficients: number[];
  /** SE of each coefficient, from the residual variance; NaN where df = 0. */
  se: number[];
  /** Residual SD, √(RSS / df); NaN where df = 0. */
  sd: number;
  /** Residual degrees of freedom: runs − columns. */
  df: number;
}

const RANK_TOLERANCE = 1e-9;

/** Fits y ≈ Xb; null when the columns of X are linearly dependent (the model is not estimable from these runs). */
export function leastSquares(x: readonly (readonly number[])[], y: readonly number[]): LeastSquaresFit | null {
  const n = x.length;
  const p = x[0]?.length ?? 0;
  if (n !== y.length) throw new RangeError(`least squares: ${n} rows of X but ${y.length} values`);
  if (p === 0 || n < p) return null;
  const qr = new QrDecomposition(new Matrix(x.map((row) => [...row])));
  const r = qr.upperTriangularMatrix;
  const diagonal = Array.from({ length: p }, (_, i) => Math.abs(r.get(i, i)));
  if (Math.min(...diagonal) <= RANK_TOLERANCE * Math.max(...diagonal)) return null;
  const coefficients = qr.solve(Matrix.columnVector([...y])).getColumn(0);
  let rss = 0;
  x.forEach((row, i) => {
    let fitted = 0;
    for (let j = 0; j < p; j++) fitted += row[j]! * coefficients[j]!;
    rss += (y[i]! - fitted) ** 2;
  });
  const df = n - p;
  const sd = df > 0 ? Math.sqrt(rss / df) : NaN;
  const rInverse = inverse(r.subMatrix(0, p - 1, 0, p - 1));
  // diag((XᵀX)⁻¹)ⱼ = Σₖ (R⁻¹)ⱼₖ², the squared norm of row j of R⁻¹.
  const se = Array.from({ length: p }, (_, j) => sd * Math.sqrt(rInverse.getRow(j).reduce((s, v) => s + v * v, 0)));
  return { coefficients, se, sd, df };
}
