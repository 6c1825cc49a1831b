/**
 * The progress chart for the HTML page, bounded: chart-svg.ts draws one mark per run, which on a
 * 100,000-run session is megabytes of SVG and a page no browser scrolls. Past MAX_POINTS per role
 * the runs are cut into buckets along x and each bucket keeps its best and its worst run, so
 * every excursion and the chart's envelope stay; kept runs keep a larger share. Its texts are made
 * printable, as every text on the page.
 */
import { printable } from '../text/printable.ts';
import type { ChartData, PointRole } from './chart-data.ts';

// The chart is 1,200 pixels wide: a best and a worst per pixel column is all a reader can see.
const BUDGET: Record<PointRole, number> = { tried: 2400, baseline: 1200, kept: 1200 };
const MAX_FAILED = 1200;

export interface DecimatedChart {
  data: ChartData;
  /** Runs drawn and runs there were, when some were left out. */
  shown: number;
  total: number;
}

export function decimateChart(data: ChartData): DecimatedChart {
  const points = (['baseline', 'tried', 'kept'] as const).flatMap((role) =>
    extremes(
      data.points.filter((p) => p.role === role),
      BUDGET[role],
    ),
  );
  const failed = data.failed.length <= MAX_FAILED ? data.failed : data.failed.filter((_, i) => i % Math.ceil(data.failed.length / MAX_FAILED) === 0);
  points.sort((a, b) => a.x - b.x);
  // Tips and labels quote descriptions: chart-svg.ts escapes the markup, terminal escapes go here as everywhere on the page.
  const shownPoints = points.map((p) => ({ ...p, tip: printable(p.tip) }));
  const labels = data.labels.map((l) => ({ ...l, text: printable(l.text) }));
  return {
    data: { ...data, title: printable(data.title), subtitle: printable(data.subtitle), points: shownPoints, failed, labels },
    shown: points.length + failed.length,
    total: data.points.length + data.failed.length,
  };
}

/** At most `budget` points: the lowest and highest of each of budget / 2 buckets of consecutive runs. */
function extremes<P extends { y: number }>(points: readonly P[], budget: number): P[] {
  if (points.length <= budget) return [...points];
  const buckets = Math.floor(budget / 2);
  const size = Math.ceil(points.length / buckets);
  const out: P[] = [];
  for (let start = 0; start < points.length; start += size) {
    const bucket = points.slice(start, start + size);
    const lo = bucket.reduce((a, b) => (b.y < a.y ? b : a));
    const hi = bucket.reduce((a, b) => (b.y > a.y ? b : a));
    out.push(lo);
    if (hi !== lo) out.push(hi);
  }
  return out;
}
