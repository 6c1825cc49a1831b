import type { ExperimentRow } from '../store/types.ts';
import { candidateRunIndex } from '../session/candidates.ts';
import { candidateIdOf, isHeadRun } from '../session/kinds.ts';
import { chartTimeline, type BaselineStep } from './chart-timeline.ts';
import type { SessionReport } from './summary.ts';
import { isFailedRun } from '../store/types.ts';

export type PointRole = 'baseline' | 'tried' | 'kept';

/** What the progress chart draws, in data units (x = experiment id, y = the metric). */
export interface ChartData {
  title: string;
  subtitle: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  /** `tip`: the run in words, shown when hovering over the point in an SVG viewer. */
  points: { x: number; y: number; role: PointRole; tip: string }[];
  /** Runs that ended without a metric (crashed, timeout, diverged), marked along the x axis. */
  failed: number[];
  /** The baseline the loop compared against, a step from each x on, with its noise SD (chart-timeline.ts). */
  baseline: BaselineStep[];
  /** The running best as known at each decision, a step from each x on (chart-timeline.ts). */
  best: { x: number; y: number }[];
  /** Kept changes; `gain` (improvement over the baseline they were compared with) ranks them when not all fit. */
  labels: { x: number; y: number; text: string; gain: number }[];
  /** floor_<metric> where the script states one; drawn as an edge marker when off the data's range. */
  floor: number | null;
  xMin: number;
  xMax: number;
}

export function chartData(report: SessionReport, rows: readonly ExperimentRow[]): ChartData {
  const keptIds = new Set(report.kept.map((k) => k.experiment));
  const points: ChartData['points'] = [];
  const failed: number[] = [];
  for (const e of rows) {
    if (isFailedRun(e.status)) failed.push(e.id);
    if (e.status !== 'done' || e.metric === null) continue;
    const role: PointRole = isHeadRun(e) ? 'baseline' : keptIds.has(candidateIdOf(e)!) ? 'kept' : 'tried';
    points.push({ x: e.id, y: e.metric, role, tip: `#${e.id} ${e.description.startsWith(e.kind) ? '' : `${e.kind}: `}${e.description} = ${e.metric}` });
  }

  const { baseline, best } = chartTimeline(rows, report.goal);
  const labels: ChartData['labels'] = [];
  const runsOf = candidateRunIndex(rows);
  const byId = new Map(rows.map((e) => [e.id, e] as const));
  for (const k of report.kept) {
    // The keep takes effect after its last confirmation run.
    const row = byId.get(k.experiment)!;
    const x = Math.max(...runsOf(row).map((e) => e.id));
    // The row's delta is the one the decision saw (against the baseline it was compared with).
    const delta = row.delta ?? 0;
    labels.push({ x, y: k.mean, text: k.description, gain: report.goal === 'minimize' ? -delta : delta });
  }
  const xMax = rows.at(-1)?.id ?? 1;

  const direction = report.goal === 'minimize' ? 'lower is better' : 'higher is better';
  const { changes, crashed } = report.experiments;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return {
    title: `nightshift session ${report.session}: ${report.metric} (${direction})`,
    subtitle: `${plural(rows.length, 'run')} · ${plural(changes, 'change')} tried · ${report.experiments.kept} kept · ${plural(crashed, 'failed run')} · rule ${report.decision_rule}`,
    metric: report.metric,
    goal: report.goal,
    points,
    failed,
    baseline,
    best,
    labels,
    floor: report.floor,
    xMin: rows[0]?.id ?? 0,
    xMax,
  };
}
