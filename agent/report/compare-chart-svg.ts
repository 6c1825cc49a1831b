/**
 * Step curves of several runs on one pair of axes, one colour each (`nightshift compare --chart`):
 * a standalone SVG, readable in any viewer and embeddable in HTML as it is.
 */
import { scaleLinear } from 'd3-scale';
import { escapeXml } from './chart-svg.ts';

export interface OverlayCurve {
  label: string;
  steps: readonly number[];
  values: readonly number[];
}

const W = 960;
const H = 540;
const M = { left: 80, right: 30, top: 60, bottom: 60 };
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
// Tableau's 10 categorical colours: distinct for the usual colour blindnesses, and printable.
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** Points per curve: more than a chart's width in pixels shows nothing more, and makes the file large. */
const MAX_POINTS = 1000;
const colourOf = (i: number) => COLOURS[i % COLOURS.length]!;

export function compareChartSvg(title: string, metric: string, curves: readonly OverlayCurve[]): string {
  const shown = curves.map((c) => thin(c));
  const xs = shown.flatMap((c) => c.steps);
  const ys = shown.flatMap((c) => c.values).filter(Number.isFinite);
  const x = scaleLinear()
    .domain(xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1])
    .nice()
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain(ys.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1])
    .nice()
    .range([H - M.bottom, M.top]);
  const out: string[] = [`<rect width="${W}" height="${H}" fill="#ffffff"/>`, text(M.left, 28, title, 16, 'start', 'bold')];
  for (const t of y.ticks(8)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#e6e6e6"/>`);
    out.push(text(M.left - 8, y(t) + 4, y.tickFormat(8)(t), 12, 'end'));
  }
  for (const t of x.ticks(10)) out.push(text(x(t), H - M.bottom + 20, x.tickFormat(10)(t), 12, 'middle'));
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333333"/>`);
  out.push(text((M.left + W - M.right) / 2, H - 18, 'step', 13, 'middle'));
  out.push(
    `<text x="20" y="${f((M.top + H - M.bottom) / 2)}" font-size="13" text-anchor="middle" transform="rotate(-90 20 ${f((M.top + H - M.bottom) / 2)})">${escapeXml(metric)}</text>`,
  );
  shown.forEach((c, i) => {
    const points = c.steps.map((s, j) => [s, c.values[j]!] as const).filter(([, v]) => Number.isFinite(v));
    const d = points.map(([s, v], j) => `${j === 0 ? 'M' : 'L'}${f(x(s))} ${f(y(v))}`).join('');
    if (d !== '') out.push(`<path d="${d}" fill="none" stroke="${colourOf(i)}" stroke-width="2"><title>${escapeXml(c.label)}</title></path>`);
  });
  // The legend last, on a white box at the top right, so no curve runs through its text.
  const lx = W - M.right - 260;
  out.push(`<rect x="${lx}" y="${M.top + 4}" width="252" height="${shown.length * 18 + 8}" fill="#ffffff" fill-opacity="0.9" stroke="#cccccc"/>`);
  shown.forEach((c, i) => {
    const ly = M.top + 20 + i * 18;
    out.push(`<line x1="${lx + 8}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colourOf(i)}" stroke-width="3"/>`);
    out.push(text(lx + 34, ly, c.label.length > 34 ? `${c.label.slice(0, 33)}…` : c.label, 12, 'start'));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">\n${out.join('\n')}\n</svg>\n`;
}

/** Every k-th point, and the last, so a curve of any length stays within MAX_POINTS. */
function thin(c: OverlayCurve): OverlayCurve {
  if (c.steps.length <= MAX_POINTS) return c;
  const k = Math.ceil(c.steps.length / MAX_POINTS);
  const keep = c.steps.map((_, i) => i).filter((i) => i % k === 0 || i === c.steps.length - 1);
  return { label: c.label, steps: keep.map((i) => c.steps[i]!), values: keep.map((i) => c.values[i]!) };
}

function text(x: number, y: number, content: string, size: number, anchor: 'start' | 'middle' | 'end', weight?: string): string {
  return `<text x="${f(x)}" y="${f(y)}" font-size="${size}" text-anchor="${anchor}"${weight ? ` font-weight="${weight}"` : ''} fill="#222222">${escapeXml(content)}</text>`;
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();
