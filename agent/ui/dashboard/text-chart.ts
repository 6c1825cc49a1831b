/**
 * The metric over experiments as character cells, by the SVG chart's rules (report/chart-range.ts):
 * one column per slice of experiment ids, the baseline the loop compared against as a step line
 * in its noise band, the running best as known at each decision, kept runs marked, failed runs
 * as crosses on the bottom row. The range hugs the data: far-worse runs are clipped to the edge
 * (▲/▼), and a floor off the range is a labelled marker on the edge it lies past.
 */
import type { ChartData, PointRole } from '../../report/chart-data.ts';
import { chartRange, stepAt } from '../../report/chart-range.ts';
import { num } from '../../format/numbers.ts';

export type Mark = 'axis' | 'empty' | 'band' | 'line' | 'best' | 'floor' | 'failed' | PointRole;
export interface Segment {
  text: string;
  mark: Mark;
}

const GLYPH: Record<PointRole, string> = { tried: '·', baseline: '•', kept: '◆' };
/** Later wins a shared cell: a kept run is never hidden behind a reverted one, nor a run behind a line. */
const PRIORITY: Record<Mark, number> = { axis: 0, empty: 0, band: 1, floor: 2, line: 2, best: 3, failed: 4, tried: 5, baseline: 6, kept: 7 };

export function textChart(data: ChartData, width: number, height: number): Segment[][] {
  const range = chartRange(data);
  if (range === null || height < 2) return [];
  const { lo, hi } = range;
  const current = data.baseline.at(-1)?.mean ?? null;
  const labels = [num(hi), num(lo), current === null ? '' : num(current)];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const plotWidth = width - labelWidth - 1;
  if (plotWidth < 4) return [];

  const grid: { char: string; mark: Mark }[][] = Array.from({ length: height }, () =>
    Array.from({ length: plotWidth }, () => ({ char: ' ', mark: 'empty' as Mark })),
  );
  const put = (row: number, col: number, char: string, mark: Mark) => {
    const cell = grid[row]?.[col];
    if (cell && PRIORITY[mark] >= PRIORITY[cell.mark]) Object.assign(cell, { char, mark });
  };
  const rowOf = (v: number) => Math.round(((hi - v) / (hi - lo)) * (height - 1));
  const inside = (v: number) => v >= lo && v <= hi;
  const span = data.xMax - data.xMin;
  const colOf = (id: number) => (span <= 0 ? 0 : Math.round(((id - data.xMin) / span) * (plotWidth - 1)));
  const idOf = (col: number) => (plotWidth <= 1 ? data.xMin : data.xMin + (col / (plotWidth - 1)) * span);

  // Lines and the band are step functions of the experiment id: each column shows the value in force at its id.
  for (let c = 0; c < plotWidth; c++) {
    const b = stepAt(data.baseline, idOf(c));
    if (b) {
      if (b.sd !== null && b.sd > 0) for (let r = rowOf(Math.min(hi, b.mean + b.sd)); r <= rowOf(Math.max(lo, b.mean - b.sd)); r++) put(r, c, '░', 'band');
      if (inside(b.mean)) put(rowOf(b.mean), c, '─', 'line');
    }
    const best = stepAt(data.best, idOf(c));
    if (best && inside(best.y)) put(rowOf(best.y), c, '━', 'best');
    if (data.floor !== null && range.floor === 'inside') put(rowOf(data.floor), c, '┄', 'floor');
  }
  for (const id of data.failed) put(height - 1, colOf(id), '×', 'failed');
  for (const p of data.points) {
    if (p.y > hi) put(0, colOf(p.x), '▲', p.role);
    else if (p.y < lo) put(height - 1, colOf(p.x), '▼', p.role);
    else put(rowOf(p.y), colOf(p.x), GLYPH[p.role], p.role);
  }
  if (data.floor !== null && (range.floor === 'below' || range.floor === 'above')) {
    // Written under the points, right-aligned on the edge the floor lies past.
    const marker = `floor ${num(data.floor)} ${range.floor === 'below' ? '↓' : '↑'}`;
    const row = range.floor === 'below' ? height - 1 : 0;
    const start = Math.max(0, plotWidth - marker.length);
    for (const [i, ch] of [...marker].slice(0, plotWidth).entries()) put(row, start + i, ch, 'floor');
  }

  const currentRow = current !== null && inside(current) ? rowOf(current) : -1;
  return grid.map((cells, row) => {
    const label = row === 0 ? labels[0]! : row === height - 1 ? labels[1]! : row === currentRow ? labels[2]! : '';
    const segments: Segment[] = [{ text: label.padStart(labelWidth) + (row === currentRow ? '┼' : '│'), mark: 'axis' }];
    for (const cell of cells) {
      const last = segments.at(-1)!;
      if (last.mark === cell.mark) last.text += cell.char;
      else segments.push({ text: cell.char, mark: cell.mark });
    }
    return segments;
  });
}
