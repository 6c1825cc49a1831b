/**
 * The factorial analysis's model, y = b0 + Σ bᵢ·xᵢ + Σ bᵢⱼ·xᵢ·xⱼ with 0/1 coding (x = 1: the
 * component ablated). With that coding bᵢ is exactly "ablate i alone, minus the baseline" and
 * bᵢⱼ is Δ(i,j) − Δ(i) − Δ(j), the meanings of the leave-one-out tables, so both designs fill
 * the same tables. (±1 coding would give effects averaged over the other components instead.)
 */

export type ModelColumn = { type: 'intercept' } | { type: 'main'; i: number } | { type: 'pair'; i: number; j: number };

/** The intercept, k main effects, then the k(k−1)/2 two-way interactions in (i, j) order. */
export function modelColumns(k: number): ModelColumn[] {
  const columns: ModelColumn[] = [{ type: 'intercept' }];
  for (let i = 0; i < k; i++) columns.push({ type: 'main', i });
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) columns.push({ type: 'pair', i, j });
  return columns;
}

/** One row of the model matrix for a point in 0/1 coding. */
export function modelRow(columns: readonly ModelColumn[], x: readonly number[]): number[] {
  return columns.map((c) => (c.type === 'intercept' ? 1 : c.type === 'main' ? x[c.i]! : x[c.i]! * x[c.j]!));
}
