/**
 * Learning curves as a standalone SVG (`nightshift show ID --chart FILE.svg`): one row per step
 * metric, against step on the left and against elapsed seconds on the right; the experiment's
 * runs as coloured lines over the baseline's mean curve (dashed) and its ± SD band.
 */
import { scaleLinear } from 'd3-scale';
import { escapeXml } from './chart-svg.ts';
import type { CurveData, CurveLine, CurvePanel } from './curves.ts';

const W = 1200;
const PANEL_W = 500;
const PANEL_H = 260;
const ROW_H = PANEL_H + 90;
const TOP = 110;
const LEFT = [80, 80 + PANEL_W + 80];
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const BASELINE = '#2f6fd0';
// Tableau's categorical colours without its blue, which is the baseline's.
const RUN_COLOURS = ['#e15759', '#f28e2b', '#59a14f', '#b07aa1', '#9c755f', '#edc948', '#ff9da7', '#76b7b2', '#bab0ac'];
/** Points per line: more than a panel's width in pixels shows nothing more and makes the file large. */
const MAX_POINTS = 600;

export function curvesSvg(data: CurveData): string {
  const height = TOP + Math.max(1, data.metrics.length) * ROW_H;
  const out: string[] = [`<rect width="${W}" height="${height}" fill="#ffffff"/>`];
  out.push(text(LEFT[0]!, 30, data.title.length > 110 ? `${data.title.slice(0, 109)}…` : data.title, 17, 'start', 'bold'));
  out.push(text(LEFT[0]!, 52, data.subtitle, 13, 'start', 'normal', '#555555'));
  if (data.metrics.length === 0) out.push(text(LEFT[0]!, TOP + 20, 'no step metrics were logged for these runs', 14, 'start'));
  out.push(legend(data));
  data.metrics.forEach((m, row) => {
    const top = TOP + row * ROW_H;
    out.push(panel(m.step, `${m.name} by step`, 'step', LEFT[0]!, top));
    if (m.time) out.push(panel(m.time, `${m.name} by time`, 'seconds', LEFT[1]!, top));
    else out.push(text(LEFT[1]!, top + PANEL_H / 2, 'no elapsed times logged', 13, 'start', 'normal', '#777777'));
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="${FONT}">\n${out.join('\n')}\n</svg>\n`;
}

function panel(p: CurvePanel, title: string, xTitle: string, left: number, top: number): string {
  const lines = p.runs.map((r) => thin(r.line));
  const xs = [...lines.flatMap((l) => l.x), ...(p.baseline?.x ?? [])];
  const ys = [...lines.flatMap((l) => l.y), ...(p.baseline ? [...p.baseline.lo, ...p.baseline.hi] : [])].filter(Number.isFinite);
  const x = scaleLinear()
    .domain(xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1])
    .range([left, left + PANEL_W]);
  // The y-range is the data's own, padded a little: the curves, not the zero line, are the point.
  const [yLo, yHi] = ys.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const pad = (yHi - yLo || Math.abs(yHi) * 0.05 || 1) * 0.04;
  const y = scaleLinear()
    .domain([yLo - pad, yHi + pad])
    .range([top + PANEL_H, top]);
  const out: string[] = [text(left, top - 10, title, 14, 'start', 'bold')];
  for (const t of y.ticks(6)) {
    out.push(`<line x1="${left}" x2="${left + PANEL_W}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#e6e6e6"/>`);
    out.push(text(left - 6, y(t) + 4, y.tickFormat(6)(t), 11, 'end'));
  }
  for (const t of x.ticks(6)) out.push(text(x(t), top + PANEL_H + 16, x.tickFormat(6)(t), 11, 'middle'));
  out.push(`<rect x="${left}" y="${top}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#333333"/>`);
  out.push(text(left + PANEL_W / 2, top + PANEL_H + 36, xTitle, 12, 'middle'));

  const b = p.baseline;
  if (b) {
    const upper = b.x.map((v, i) => `${i === 0 ? 'M' : 'L'}${f(x(v))} ${f(y(b.hi[i]!))}`).join('');
    const lower = b.x
      .map((v, i) => `L${f(x(v))} ${f(y(b.lo[i]!))}`)
      .reverse()
      .join('');
    out.push(`<path d="${upper}${lower}Z" fill="${BASELINE}" fill-opacity="0.15"/>`);
    out.push(`<path d="${path({ x: b.x, y: b.mean }, x, y)}" fill="none" stroke="${BASELINE}" stroke-width="2" stroke-dasharray="6 4"/>`);
  }
  lines.forEach((line, i) => {
    const label = escapeXml(p.runs[i]!.label);
    out.push(`<path d="${path(line, x, y)}" fill="none" stroke="${RUN_COLOURS[i % RUN_COLOURS.length]}" stroke-width="1.6"><title>${label}</title></path>`);
  });
  return out.join('\n');
}

function legend(data: CurveData): string {
  const first = data.metrics[0]?.step;
  if (!first) return '';
  const items: [string, string][] = first.runs.map((r, i) => [
    `<line x1="-9" x2="9" stroke="${RUN_COLOURS[i % RUN_COLOURS.length]}" stroke-width="2.5"/>`,
    r.label,
  ]);
  if (first.baseline)
    items.push([
      `<rect x="-9" y="-6" width="18" height="12" fill="${BASELINE}" fill-opacity="0.15"/><line x1="-9" x2="9" stroke="${BASELINE}" stroke-width="2" stroke-dasharray="4 3"/>`,
      `baseline mean ± SD (${first.baseline.runs} run${first.baseline.runs === 1 ? '' : 's'})`,
    ]);
  let cx = LEFT[0]! + 10;
  let cy = 76;
  return items
    .map(([mark, label]) => {
      const width = 34 + label.length * 6.6;
      if (cx + width > W - 20) [cx, cy] = [LEFT[0]! + 10, cy + 18];
      const g = `<g transform="translate(${f(cx)} ${cy})">${mark}</g>${text(cx + 14, cy + 4, label, 12, 'start')}`;
      cx += width;
      return g;
    })
    .join('\n');
}

function path(line: CurveLine, x: (v: number) => number, y: (v: number) => number): string {
  return line.x
    .map((v, i) => [v, line.y[i]!] as const)
    .filter(([, v]) => Number.isFinite(v))
    .map(([u, v], i) => `${i === 0 ? 'M' : 'L'}${f(x(u))} ${f(y(v))}`)
    .join('');
}

/** Every k-th point, and the last, so a line of any length stays within MAX_POINTS. */
function thin(line: CurveLine): CurveLine {
  if (line.x.length <= MAX_POINTS) return line;
  const k = Math.ceil(line.x.length / MAX_POINTS);
  const keep = line.x.map((_, i) => i).filter((i) => i % k === 0 || i === line.x.length - 1);
  return { x: keep.map((i) => line.x[i]!), y: keep.map((i) => line.y[i]!) };
}

function text(x: number, y: number, content: string, size: number, anchor: string, weight = 'normal', fill = '#222222'): string {
  return `<text x="${f(x)}" y="${f(y)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="${fill}">${escapeXml(content)}</text>`;
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();
