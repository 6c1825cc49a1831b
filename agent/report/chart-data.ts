import type { ExperimentRow } from '../store/types.ts';
import { candidateRunIndex } from '../session/candidates.ts';
import { candidateIdOf, isHeadRun } from '../session/kinds.ts';
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
  /** The running best: the baseline mean, then each kept change's (re-measured where possible) mean where it beats it. */
  best: { x: number; y: number }[];
  /** Kept changes; `gain` (improvement over the baseline they were compared with) ranks them when not all fit. */
  labels: { x: number; y: number; text: string; gain: number }[];
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

  const better = (a: number, b: number) => (report.goal === 'minimize' ? a < b : a > b);
  const best: ChartData['best'] = [];
  const firstBaseline = rows.find((e) => e.kind === 'baseline');
  if (report.baseline.mean !== null && firstBaseline) best.push({ x: firstBaseline.id, y: report.baseline.mean });
  const labels: ChartData['labels'] = [];
  const runsOf = candidateRunIndex(rows);
  const byId = new Map(rows.map((e) => [e.id, e] as const));
  for (const k of report.kept) {
    // The keep takes effect after its last confirmation run.
    const x = Math.max(...runsOf(byId.get(k.experiment)!).map((e) => e.id));
    const value = k.remeasured?.mean ?? k.mean;
    const current = best.at(-1)?.y;
    if (current === undefined || better(value, current)) best.push({ x, y: value });
    labels.push({ x, y: k.mean, text: k.description, gain: k.delta === null ? 0 : report.goal === 'minimize' ? -k.delta : k.delta });
  }
  const xMax = rows.at(-1)?.id ?? 1;
  if (best.length > 0) best.push({ x: xMax, y: best.at(-1)!.y });

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
    best,
    labels,
    floor: report.floor,
    xMin: rows[0]?.id ?? 0,
    xMax,
  };
}
