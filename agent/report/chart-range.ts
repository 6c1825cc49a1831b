/**
 * The progress chart's y-range, one rule for the SVG and the dashboard's text chart. It hugs
 * the data: the differences the chart exists to show are a few noise SDs, so an axis stretched
 * to the evaluation's floor (or to one ruinous ablation) would squeeze every run into a line.
 *
 * - Anchors: baseline and kept runs, the baseline's mean ± noise, the running best.
 * - Every run better than the anchors stays on the chart (improvements are the story).
 * - The worse side stops at the worst run within two spreads of the anchors; runs beyond are
 *   drawn on the edge.
 * - The floor never widens the range: off it, it is a labelled marker on the edge it lies past.
 */
import type { ChartData } from './chart-data.ts';

export interface ChartRange {
  lo: number;
  hi: number;
  /** Where the floor is drawn: a line inside the range, a marker on the edge it lies past, or nowhere. */
  floor: 'inside' | 'below' | 'above' | null;
}

export function chartRange(data: ChartData): ChartRange | null {
  const all = data.points.map((p) => p.y);
  const anchor = [...data.points.filter((p) => p.role !== 'tried').map((p) => p.y), ...data.best.map((p) => p.y)];
  for (const b of data.baseline) anchor.push(b.mean - (b.sd ?? 0), b.mean + (b.sd ?? 0));
  const core = anchor.length > 0 ? anchor : all;
  if (core.length === 0) return null;
  const aLo = Math.min(...core);
  const aHi = Math.max(...core);
  const spread = aHi - aLo || Math.abs(aHi) * 0.05 || 1;
  // Runs past the cap are edge markers, so the edge stops at the worst run within it.
  const values = [...all, ...core];
  const minimize = data.goal === 'minimize';
  const within = values.filter((v) => (minimize ? v <= aHi + 2 * spread : v >= aLo - 2 * spread));
  let lo = Math.min(...within);
  let hi = Math.max(...within);
  const pad = (hi - lo || spread) * 0.05;
  lo -= pad;
  hi += pad;
  const floor = data.floor === null ? null : data.floor < lo ? 'below' : data.floor > hi ? 'above' : 'inside';
  return { lo, hi, floor };
}

/** The step series' value at x: the last step at or before it (null before the first). */
export function stepAt<T extends { x: number }>(steps: readonly T[], x: number): T | null {
  let found: T | null = null;
  for (const s of steps) {
    if (s.x > x) break;
    found = s;
  }
  return found;
}
