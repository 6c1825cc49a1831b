import type { ExperimentRow } from '../store/types.ts';

/** Compact numbers for one-line output: 4 significant digits, sign on deltas. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(digits)).toString();
}

export function signed(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return (value > 0 ? '+' : '') + num(value);
}

export function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)} s`;
}

export function tag(e: Pick<ExperimentRow, 'id' | 'kind'>): string {
  return `#${e.id} ${e.kind}`;
}
