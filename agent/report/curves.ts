/**
 * Learning curves of one experiment (`nightshift show ID --chart`, the dashboard's detail view):
 * each step metric of its configuration's runs against step and against time, over the mean
 * curve of the baseline it was compared with and that mean ± the SD across the baseline's runs.
 * Runs log at their own steps and times, so the baseline's runs are interpolated linearly on a
 * common grid, and only where every one of them has values (no extrapolation).
 */
import { mean, sd } from '../stats/descriptive.ts';
import type { TimedSeries } from '../store/metric-reads.ts';
import type { ExperimentRow } from '../store/types.ts';

export interface CurveLine {
  x: number[];
  y: number[];
}

export interface CurveBand {
  x: number[];
  mean: number[];
  /** mean − SD and mean + SD across the baseline's runs (equal to the mean for a single run). */
  lo: number[];
  hi: number[];
  runs: number;
}

export interface CurvePanel {
  axis: 'step' | 'time';
  runs: { id: number; label: string; line: CurveLine }[];
  baseline: CurveBand | null;
}

export interface MetricCurves {
  name: string;
  step: CurvePanel;
  /** Null where no run reported its elapsed seconds. */
  time: CurvePanel | null;
}

export interface CurveData {
  title: string;
  subtitle: string;
  metrics: MetricCurves[];
}

/** Points on the baseline's grid: enough for a smooth curve at chart width, few enough for a small file. */
const GRID = 120;

export interface CurveInput {
  experiment: ExperimentRow;
  /** The configuration's runs drawn as lines (a candidate and its confirmations, or a commit's baseline runs). */
  runs: readonly ExperimentRow[];
  /** The runs the baseline curve is the mean of. */
  baseline: readonly ExperimentRow[];
  series: readonly TimedSeries[];
}

export function curveData({ experiment, runs, baseline, series }: CurveInput): CurveData {
  const of = (id: number, name: string) => series.find((s) => s.experiment === id && s.name === name);
  const names = [...new Set(series.filter((s) => runs.some((r) => r.id === s.experiment)).map((s) => s.name))].sort();
  const finished = baseline.filter((r) => r.status === 'done');
  const metrics = names.map((name) => {
    const panel = (axis: CurvePanel['axis']): CurvePanel => {
      const lineOf = (id: number) => {
        const s = of(id, name);
        return s ? (axis === 'step' ? { x: s.steps, y: s.values } : timed(s)) : null;
      };
      const drawn = runs.flatMap((r) => {
        const line = lineOf(r.id);
        return line && line.x.length > 0 ? [{ id: r.id, label: `#${r.id} seed ${r.seed}${r.status === 'done' ? '' : ` (${r.status})`}`, line }] : [];
      });
      const lines = finished.flatMap((r) => {
        const line = lineOf(r.id);
        return line && line.x.length > 0 ? [line] : [];
      });
      return { axis, runs: drawn, baseline: meanBand(lines) };
    };
    const time = panel('time');
    return { name, step: panel('step'), time: time.runs.length > 0 ? time : null };
  });
  const own = runs.some((r) => r.id === experiment.id) && baseline.some((r) => r.id === experiment.id);
  return {
    title: `#${experiment.id} ${experiment.description}`,
    subtitle: own
      ? `${runs.length} runs of this baseline, over their mean ± SD`
      : `${runs.length} run${runs.length === 1 ? '' : 's'} of this change over the baseline's mean ± SD (${finished.length} runs)`,
    metrics,
  };
}

/** The series against its elapsed seconds, leaving out steps that reported none. */
function timed(s: TimedSeries): CurveLine {
  const line: CurveLine = { x: [], y: [] };
  for (const [i, t] of s.elapsed.entries()) {
    if (t === null) continue;
    line.x.push(t);
    line.y.push(s.values[i]!);
  }
  return line;
}

/** The mean and ± SD of the lines on a common grid over the x-range they all cover; null without lines. */
export function meanBand(lines: readonly CurveLine[]): CurveBand | null {
  if (lines.length === 0) return null;
  const from = Math.max(...lines.map((l) => l.x[0]!));
  const to = Math.min(...lines.map((l) => l.x.at(-1)!));
  if (!(to >= from)) return null;
  const count = to === from ? 1 : GRID;
  const band: CurveBand = { x: [], mean: [], lo: [], hi: [], runs: lines.length };
  for (let i = 0; i < count; i++) {
    const x = count === 1 ? from : from + ((to - from) * i) / (count - 1);
    const ys = lines.map((l) => interpolate(l, x));
    const m = mean(ys);
    const spread = ys.length > 1 ? sd(ys) : 0;
    band.x.push(x);
    band.mean.push(m);
    band.lo.push(m - spread);
    band.hi.push(m + spread);
  }
  return band;
}

/** The line's value at x (inside its range), linear between its two nearest points. */
export function interpolate(line: CurveLine, x: number): number {
  let lo = 0;
  let hi = line.x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (line.x[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const x0 = line.x[lo]!;
  const x1 = line.x[hi]!;
  if (x1 === x0 || x <= x0) return line.y[lo]!;
  if (x >= x1) return line.y[hi]!;
  return line.y[lo]! + ((line.y[hi]! - line.y[lo]!) * (x - x0)) / (x1 - x0);
}
