/**
 * The progress chart as a standalone SVG (like autoresearch's progress.png): every run's metric
 * by experiment id, kept changes highlighted and labelled, the baseline the loop compared
 * against as a step line in its noise band, the running best as known at each decision, the
 * floor when known. The y-range hugs the data (chart-range.ts): runs far worse than anything
 * kept are triangles on the edge, and a floor off the range is a labelled marker there.
 */
import { scaleLinear } from 'd3-scale';
import { num } from '../format/numbers.ts';
import type { ChartData, PointRole } from './chart-data.ts';
import { chartRange } from './chart-range.ts';

const W = 1200;
const H = 660;
const M = { left: 86, right: 36, top: 92, bottom: 70 };
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const COLOURS: Record<PointRole, string> = { baseline: '#2f6fd0', tried: '#9a9a9a', kept: '#1a9b3c' };
const FAILED_COLOUR = '#d23c3c';
const BAND_COLOUR = '#2f6fd0';
const FLOOR_COLOUR = '#7a4cc2';
const MAX_LABELS = 12;
const LABEL_GAP = 40;

export function chartSvg(data: ChartData): string {
  const range = chartRange(data) ?? { lo: 0, hi: 1, floor: null };
  const x = scaleLinear()
    .domain([data.xMin - 0.5, data.xMax + 0.5])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([range.lo, range.hi])
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

  out.push(...baselineBand(data, x, y, clip));
  if (data.floor !== null && range.floor !== null) out.push(floorMark(data.floor, range.floor, y));

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

  const best = stepPath(
    data.best.map((p) => ({ x: p.x, y: p.y })),
    data.xMax,
    x,
    (v) => y(clip(v)),
  );
  if (best) out.push(`<path d="${best}" fill="none" stroke="${COLOURS.kept}" stroke-width="2.5"/>`);
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

type Scale = (v: number) => number;

/** A step line through (x, y) points, held to xEnd; null without points. */
function stepPath(points: readonly { x: number; y: number }[], xEnd: number, x: Scale, y: Scale): string | null {
  const [start, ...rest] = points;
  if (!start) return null;
  const steps = rest.map((p) => ` H${f(x(p.x))} V${f(y(p.y))}`).join('');
  return `M${f(x(start.x))} ${f(y(start.y))}${steps} H${f(x(Math.max(xEnd, points.at(-1)!.x)))}`;
}

/** The baseline's mean ± noise SD as a shaded step band, its mean as a dashed step line. */
function baselineBand(data: ChartData, x: Scale, y: Scale, clip: (v: number) => number): string[] {
  const out: string[] = [];
  data.baseline.forEach((b, i) => {
    if (b.sd === null || b.sd === 0) return;
    const x0 = x(b.x);
    const x1 = x(data.baseline[i + 1]?.x ?? Math.max(data.xMax, b.x));
    const top = y(clip(b.mean + b.sd));
    const bottom = y(clip(b.mean - b.sd));
    out.push(
      `<rect x="${f(x0)}" y="${f(Math.min(top, bottom))}" width="${f(x1 - x0)}" height="${f(Math.abs(bottom - top))}" fill="${BAND_COLOUR}" fill-opacity="0.1"/>`,
    );
  });
  const mean = stepPath(
    data.baseline.map((b) => ({ x: b.x, y: b.mean })),
    data.xMax,
    x,
    (v) => y(clip(v)),
  );
  if (mean) out.push(`<path d="${mean}" fill="none" stroke="${BAND_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  return out;
}

/** The floor as a dashed line inside the range, or a labelled arrow on the edge it lies past. */
function floorMark(floor: number, where: 'inside' | 'below' | 'above', y: Scale): string {
  if (where === 'inside')
    return [
      `<line x1="${M.left}" x2="${W - M.right}" y1="${f(y(floor))}" y2="${f(y(floor))}" stroke="${FLOOR_COLOUR}" stroke-width="1.5" stroke-dasharray="7 5"/>`,
      text(W - M.right - 6, y(floor) - 6, `floor ${num(floor)}`, { size: 12, anchor: 'end', fill: FLOOR_COLOUR }),
    ].join('\n');
  const edge = where === 'below' ? H - M.bottom : M.top;
  const arrow = where === 'below' ? '↓' : '↑';
  return [
    `<line x1="${W - M.right - 150}" x2="${W - M.right}" y1="${f(edge)}" y2="${f(edge)}" stroke="${FLOOR_COLOUR}" stroke-width="3" stroke-dasharray="7 5"/>`,
    text(W - M.right - 6, where === 'below' ? edge - 8 : edge + 18, `floor ${num(floor)} ${arrow} (off the range)`, {
      size: 12,
      anchor: 'end',
      fill: FLOOR_COLOUR,
    }),
  ].join('\n');
}

function legend(data: ChartData): string {
  const items: [string, string][] = [
    [`<circle r="4.5" fill="${COLOURS.baseline}"/>`, 'baseline run'],
    [`<circle r="3.5" fill="${COLOURS.tried}"/>`, 'reverted'],
    [`<circle r="6" fill="${COLOURS.kept}" stroke="#0d5a21"/>`, 'kept change'],
    [`<line x1="-9" x2="9" stroke="${COLOURS.kept}" stroke-width="2.5"/>`, 'running best, at each decision'],
    [
      `<rect x="-9" y="-6" width="18" height="12" fill="${BAND_COLOUR}" fill-opacity="0.15"/><line x1="-9" x2="9" stroke="${BAND_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      'baseline ± noise SD',
    ],
  ];
  if (data.failed.length > 0) items.push([cross(0, 0), 'failed run']);
  if (data.floor !== null) items.push([`<line x1="-9" x2="9" stroke="${FLOOR_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3"/>`, 'floor']);
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
