/**
 * Learning curves in plain text, for the dashboard's detail view: the same panels as the SVG
 * (curves-svg.ts), each step metric by step and by time, as character cells with labelled axes.
 * Runs are drawn as their number in the legend (1, 2, …), the baseline's mean as ─ and its
 * ± SD band as ░; a run's mark wins a cell over the baseline.
 */
import { num } from '../format/numbers.ts';
import { interpolate, type CurveData, type CurveLine, type CurvePanel } from './curves.ts';

/** Lines of text, `width` columns at most, `height` rows per panel plus its title, axis and legend. */
export function curveText(data: CurveData, width: number, height: number): string[] {
  if (data.metrics.length === 0) return ['learning curves: no step metrics were logged for these runs'];
  const out: string[] = [];
  for (const m of data.metrics) {
    out.push(...panelText(m.step, `${m.name} by step`, 'step', width, height));
    if (m.time) out.push(...panelText(m.time, `${m.name} by time`, 'seconds', width, height));
  }
  return out;
}

function panelText(p: CurvePanel, title: string, xTitle: string, width: number, height: number): string[] {
  const lines = p.runs.map((r) => r.line);
  const xs = [...lines.flatMap((l) => l.x), ...(p.baseline?.x ?? [])];
  const ys = [...lines.flatMap((l) => l.y), ...(p.baseline ? [...p.baseline.lo, ...p.baseline.hi] : [])].filter(Number.isFinite);
  if (xs.length === 0 || ys.length === 0 || height < 2) return [];
  const [xLo, xHi] = [Math.min(...xs), Math.max(...xs)];
  const [yLo, yHi] = [Math.min(...ys), Math.max(...ys)];
  const labels = [num(yHi), num(yLo)];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const plotWidth = width - labelWidth - 1;
  if (plotWidth < 8) return [];

  const grid = Array.from({ length: height }, () => Array.from({ length: plotWidth }, () => ' '));
  const rowOf = (v: number) => (yHi === yLo ? Math.floor(height / 2) : Math.round(((yHi - v) / (yHi - yLo)) * (height - 1)));
  const xOf = (col: number) => (plotWidth === 1 ? xLo : xLo + ((xHi - xLo) * col) / (plotWidth - 1));
  const inRange = (line: CurveLine, x: number) => line.x.length > 0 && x >= line.x[0]! && x <= line.x.at(-1)!;

  for (let c = 0; c < plotWidth; c++) {
    const x = xOf(c);
    const b = p.baseline;
    if (b && inRange({ x: b.x, y: b.mean }, x)) {
      const top = rowOf(interpolate({ x: b.x, y: b.hi }, x));
      const bottom = rowOf(interpolate({ x: b.x, y: b.lo }, x));
      for (let r = top; r <= bottom; r++) grid[r]![c] = '░';
      grid[rowOf(interpolate({ x: b.x, y: b.mean }, x))]![c] = '─';
    }
    lines.forEach((line, i) => {
      if (!inRange(line, x)) return;
      const v = interpolate(line, x);
      if (Number.isFinite(v)) grid[rowOf(v)]![c] = mark(i);
    });
  }

  const legend = p.runs.map((r, i) => `${mark(i)} ${r.label}`);
  if (p.baseline) legend.push(`─ baseline mean, ░ ± SD (${p.baseline.runs} run${p.baseline.runs === 1 ? '' : 's'})`);
  const axis = ' '.repeat(labelWidth);
  const xLabels = [num(xLo), xTitle, num(xHi)];
  const gap = Math.max(1, plotWidth - xLabels.join('').length);
  const left = Math.floor(gap / 2);
  return [
    ...wrap(`${title}:`, legend, width),
    ...grid.map((cells, row) => `${(row === 0 ? labels[0]! : row === height - 1 ? labels[1]! : '').padStart(labelWidth)}│${cells.join('')}`),
    `${axis}└${'─'.repeat(plotWidth)}`,
    cut(`${axis} ${xLabels[0]}${' '.repeat(left)}${xLabels[1]}${' '.repeat(gap - left)}${xLabels[2]}`, width),
  ];
}

/** A run's mark: its number in the legend, 1–9, then a dot. */
const mark = (i: number) => (i < 9 ? String(i + 1) : '•');

/** The title, then the legend's items joined by ' · ', each line cut at `width`. */
function wrap(title: string, items: readonly string[], width: number): string[] {
  const out = [title];
  for (const item of items) {
    const joined = `${out.at(-1)!}${out.at(-1)!.endsWith(':') ? ' ' : ' · '}${item}`;
    if ([...joined].length <= width) out[out.length - 1] = joined;
    else out.push(cut(`  ${item}`, width));
  }
  return out;
}

const cut = (s: string, width: number) => ([...s].length > width ? `${[...s].slice(0, width - 1).join('')}…` : s);
