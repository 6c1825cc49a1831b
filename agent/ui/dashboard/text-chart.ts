/**
 * The metric over experiments as character cells: one column per slice of experiment ids, kept
 * runs marked, the baseline mean as a line, the floor as a dotted line, failed runs as crosses
 * on the bottom row. Runs far worse than the baseline and the kept changes are clipped to the
 * edge (▲/▼), as in the report's SVG chart, so one broken ablation can't flatten the night.
 */
import type { ChartData, PointRole } from '../../report/chart-data.ts';
import { num } from '../../format/numbers.ts';

export type Mark = 'axis' | 'empty' | 'line' | 'floor' | 'failed' | PointRole;
export interface Segment {
  text: string;
  mark: Mark;
}

const GLYPH: Record<PointRole, string> = { tried: '·', baseline: '•', kept: '◆' };
/** Later wins a shared cell: a kept run is never hidden behind a reverted one. */
const PRIORITY: Record<Mark, number> = { axis: 0, empty: 0, line: 1, floor: 1, failed: 2, tried: 3, baseline: 4, kept: 5 };

export function chartDomain(data: ChartData, baseline: number | null): [number, number] | null {
  const all = data.points.map((p) => p.y);
  const anchor = data.points.filter((p) => p.role !== 'tried').map((p) => p.y);
  if (baseline !== null) anchor.push(baseline);
  if (data.floor !== null) anchor.push(data.floor);
  const core = anchor.length > 0 ? anchor : all;
  if (core.length === 0) return null;
  const aLo = Math.min(...core);
  const aHi = Math.max(...core);
  const spread = aHi - aLo || Math.abs(aHi) * 0.05 || 1;
  const values = [...all, ...core];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  // Every improvement stays on the chart; the worse side stops two spreads past the anchors.
  if (data.goal === 'minimize') hi = Math.min(hi, aHi + 2 * spread);
  else lo = Math.max(lo, aLo - 2 * spread);
  if (hi === lo) return [lo - spread / 2, hi + spread / 2];
  return [lo, hi];
}

export function textChart(data: ChartData, baseline: number | null, width: number, height: number): Segment[][] {
  const domain = chartDomain(data, baseline);
  if (domain === null || height < 2) return [];
  const [lo, hi] = domain;
  const labels = [num(hi), num(lo), baseline === null ? '' : num(baseline)];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const plotWidth = width - labelWidth - 1;
  if (plotWidth < 4) return [];

  const grid: { char: string; mark: Mark }[][] = Array.from({ length: height }, () =>
    Array.from({ length: plotWidth }, () => ({ char: ' ', mark: 'empty' as Mark })),
  );
  const put = (row: number, col: number, char: string, mark: Mark) => {
    const cell = grid[row]![col]!;
    if (PRIORITY[mark] >= PRIORITY[cell.mark]) Object.assign(cell, { char, mark });
  };
  const rowOf = (v: number) => Math.round(((hi - v) / (hi - lo)) * (height - 1));
  const span = data.xMax - data.xMin;
  const colOf = (id: number) => (span <= 0 ? 0 : Math.round(((id - data.xMin) / span) * (plotWidth - 1)));

  const line = (v: number | null, char: string, mark: Mark) => {
    if (v === null || v < lo || v > hi) return;
    for (let c = 0; c < plotWidth; c++) put(rowOf(v), c, char, mark);
  };
  line(data.floor, '┄', 'floor');
  line(baseline, '─', 'line');
  for (const id of data.failed) put(height - 1, colOf(id), '×', 'failed');
  for (const p of data.points) {
    if (p.y > hi) put(0, colOf(p.x), '▲', p.role);
    else if (p.y < lo) put(height - 1, colOf(p.x), '▼', p.role);
    else put(rowOf(p.y), colOf(p.x), GLYPH[p.role], p.role);
  }

  const baselineRow = baseline !== null && baseline >= lo && baseline <= hi ? rowOf(baseline) : -1;
  return grid.map((cells, row) => {
    const label = row === 0 ? labels[0]! : row === height - 1 ? labels[1]! : row === baselineRow ? labels[2]! : '';
    const segments: Segment[] = [{ text: label.padStart(labelWidth) + (row === baselineRow ? '┼' : '│'), mark: 'axis' }];
    for (const cell of cells) {
      const last = segments.at(-1)!;
      if (last.mark === cell.mark) last.text += cell.char;
      else segments.push({ text: cell.char, mark: cell.mark });
    }
    return segments;
  });
}
