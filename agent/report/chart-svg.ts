/**
 * The progress chart as a standalone SVG (like autoresearch's progress.png): every run's metric
 * by experiment id, kept changes highlighted and labelled, the running best as a step line,
 * the floor when known. Runs far worse than anything kept are drawn as triangles on the edge
 * so that one broken ablation doesn't flatten the rest of the night into a line.
 */
import { scaleLinear } from 'd3-scale';
import { num } from '../format/numbers.ts';
import type { ChartData, PointRole } from './chart-data.ts';

const W = 1200;
const H = 660;
const M = { left: 86, right: 36, top: 92, bottom: 70 };
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const COLOURS: Record<PointRole, string> = { baseline: '#2f6fd0', tried: '#9a9a9a', kept: '#1a9b3c' };
const FAILED_COLOUR = '#d23c3c';
const MAX_LABELS = 12;
const LABEL_GAP = 40;

export function chartSvg(data: ChartData): string {
  const [lo, hi] = yDomain(data);
  const x = scaleLinear()
    .domain([data.xMin - 0.5, data.xMax + 0.5])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([lo, hi])
    .nice()
    .range([H - M.bottom, M.top]);
  const [yLo, yHi] = y.domain() as [number, number];
  const clip = (v: number) => Math.min(yHi, Math.max(yLo, v));
  const off = (v: number) => v > yHi || v < yLo;
  const out: string[] = [];

  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(text(M.left, 30, data.title, { size: 18, weight: 'bold' }));
  out.push(text(M.left, 52, data.subtitle, { size: 13, fill: '#555555' }));

  // Grid and axes.
  const yFormat = y.tickFormat(8);
  for (const t of y.ticks(8)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#e6e6e6"/>`);
    out.push(text(M.left - 8, y(t) + 4, yFormat(t), { size: 12, anchor: 'end' }));
  }
  for (const t of x.ticks(10).filter(Number.isInteger)) {
    out.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#333333"/>`);
    out.push(text(x(t), H - M.bottom + 20, String(t), { size: 12, anchor: 'middle' }));
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333333"/>`);
  out.push(text((M.left + W - M.right) / 2, H - 22, 'experiment #', { size: 14, anchor: 'middle' }));
  out.push(text(22, (M.top + H - M.bottom) / 2, data.metric, { size: 14, anchor: 'middle', rotate: -90 }));

  if (data.floor !== null && !off(data.floor)) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${f(y(data.floor))}" y2="${f(y(data.floor))}" stroke="#7a4cc2" stroke-width="1.5" stroke-dasharray="7 5"/>`,
    );
    out.push(text(W - M.right - 6, y(data.floor) - 6, `floor ${num(data.floor)}`, { size: 12, anchor: 'end', fill: '#7a4cc2' }));
  }

  // Points: the tried ones first, so kept and baseline runs stay on top.
  const offChart = data.points.filter((p) => off(p.y));
  for (const role of ['tried', 'baseline', 'kept'] as const) {
    for (const p of data.points.filter((q) => q.role === role)) {
      const cx = x(p.x);
      const cy = y(clip(p.y));
      const tip = `<title>${escapeXml(p.tip)}</title>`;
      if (off(p.y)) {
        out.push(`<g>${tip}${triangle(cx, cy, p.y > yHi, COLOURS[role])}</g>`);
        // The value itself, while there are few enough for the numbers to stay readable.
        if (offChart.length <= 30) out.push(text(cx, p.y > yHi ? cy + 24 : cy - 16, num(p.y), { size: 10, anchor: 'middle', fill: '#777777' }));
      } else if (role === 'kept')
        out.push(`<circle cx="${f(cx)}" cy="${f(cy)}" r="6" fill="${COLOURS.kept}" stroke="#0d5a21" stroke-width="1">${tip}</circle>`);
      else
        out.push(
          `<circle cx="${f(cx)}" cy="${f(cy)}" r="${role === 'baseline' ? 4.5 : 3.5}" fill="${COLOURS[role]}" fill-opacity="${role === 'tried' ? 0.7 : 1}">${tip}</circle>`,
        );
    }
  }
  for (const id of data.failed) out.push(cross(x(id), H - M.bottom - 8));

  const [start, ...steps] = data.best;
  if (start) {
    const d = `M${f(x(start.x))} ${f(y(clip(start.y)))}${steps.map((p) => ` H${f(x(p.x))} V${f(y(clip(p.y)))}`).join('')}`;
    out.push(`<path d="${d}" fill="none" stroke="${COLOURS.kept}" stroke-width="2.5"/>`);
  }
  for (const l of labelled(data.labels, x)) {
    const label = l.text.length > 48 ? `${l.text.slice(0, 47)}…` : l.text;
    // Labels lean up and right, or up and left near the right edge so they stay inside the image.
    const right = x(l.x) > W - M.right - 260;
    out.push(
      text(x(l.x) + (right ? -8 : 8), y(clip(l.y)) - 8, label, { size: 11, fill: '#0d5a21', rotate: right ? 28 : -28, anchor: right ? 'end' : 'start' }),
    );
  }
  out.push(legend(data));

  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">\n${out.join('\n')}\n</svg>\n`;
}

/** The kept changes worth a label: the largest gains first, none closer than LABEL_GAP pixels to another. */
function labelled(labels: ChartData['labels'], x: (v: number) => number): ChartData['labels'] {
  const chosen: ChartData['labels'] = [];
  for (const l of [...labels].sort((a, b) => b.gain - a.gain)) {
    if (chosen.length === MAX_LABELS) break;
    if (chosen.every((c) => Math.abs(x(c.x) - x(l.x)) >= LABEL_GAP)) chosen.push(l);
  }
  return chosen;
}

/**
 * Every improvement is shown (it is the story of the night); on the worse side the axis stops a
 * few spreads past the baseline and kept runs, and runs beyond are clipped to the edge.
 */
function yDomain(data: ChartData): [number, number] {
  const all = data.points.map((p) => p.y);
  const core = [...data.points.filter((p) => p.role !== 'tried').map((p) => p.y), ...data.best.map((p) => p.y)];
  if (data.floor !== null) core.push(data.floor);
  const anchor = core.length > 0 ? core : all;
  if (anchor.length === 0) return [0, 1];
  const lo = Math.min(...anchor);
  const hi = Math.max(...anchor);
  const spread = hi - lo || Math.abs(hi) * 0.05 || 1;
  const minimize = data.goal === 'minimize';
  const worstAllowed = minimize ? hi + 3 * spread : lo - 3 * spread;
  const values = [...all, ...anchor];
  if (minimize) return [Math.min(...values) - spread * 0.1, Math.min(Math.max(...values), worstAllowed) + spread * 0.1];
  return [Math.max(Math.min(...values), worstAllowed) - spread * 0.1, Math.max(...values) + spread * 0.1];
}

function legend(data: ChartData): string {
  const items: [string, string][] = [
    [`<circle r="4.5" fill="${COLOURS.baseline}"/>`, 'baseline / control run'],
    [`<circle r="3.5" fill="${COLOURS.tried}"/>`, 'change tried, reverted'],
    [`<circle r="6" fill="${COLOURS.kept}" stroke="#0d5a21"/>`, 'kept change (all its runs)'],
    [`<line x1="-9" x2="9" stroke="${COLOURS.kept}" stroke-width="2.5"/>`, 'running best (mean)'],
  ];
  if (data.failed.length > 0) items.push([cross(0, 0), 'failed run']);
  if (data.floor !== null) items.push([`<line x1="-9" x2="9" stroke="#7a4cc2" stroke-width="1.5" stroke-dasharray="5 3"/>`, 'floor']);
  items.push([triangle(0, 0, true, COLOURS.tried), 'off the chart']);
  let cx = M.left + 10;
  return items
    .map(([mark, label]) => {
      const g = `<g transform="translate(${f(cx)} 74)">${mark}</g>${text(cx + 14, 78, label, { size: 12 })}`;
      cx += 34 + label.length * 6.6;
      return g;
    })
    .join('\n');
}

function triangle(cx: number, cy: number, up: boolean, colour: string): string {
  const s = up ? -1 : 1;
  return `<path d="M${f(cx)} ${f(cy + 7 * s)} l-5 ${f(-8 * s)} h10 z" transform="translate(0 ${f(-7 * s)})" fill="none" stroke="${colour}" stroke-width="1.5"/>`;
}

function cross(cx: number, cy: number): string {
  return `<path d="M${f(cx - 4)} ${f(cy - 4)} l8 8 M${f(cx + 4)} ${f(cy - 4)} l-8 8" stroke="${FAILED_COLOUR}" stroke-width="2"/>`;
}

interface TextOptions {
  size: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: string;
  fill?: string;
  /** Degrees about the text's own anchor point (-90: an axis title). */
  rotate?: number;
}

function text(x: number, y: number, content: string, o: TextOptions): string {
  const rotate = o.rotate ? ` transform="rotate(${o.rotate} ${f(x)} ${f(y)})"` : '';
  return `<text x="${f(x)}" y="${f(y)}" font-size="${o.size}"${o.anchor ? ` text-anchor="${o.anchor}"` : ''}${o.weight ? ` font-weight="${o.weight}"` : ''} fill="${o.fill ?? '#222222'}"${rotate}>${escapeXml(content)}</text>`;
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
