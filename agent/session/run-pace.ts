import { median } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';
import { isFinished } from './kinds.ts';

export interface PerRunEstimate {
  seconds: number;
  /** False before any run of this session finished: the estimate is then budget + grace, a run's longest. */
  measured: boolean;
}

/** Wall seconds per run: the median of this session's finished runs, or budget + grace before the first. */
export function perRunEstimate(rows: readonly ExperimentRow[], options: { budgetS: number; graceS: number }): PerRunEstimate {
  const walls = rows
    .filter((e) => isFinished(e) && e.started_at !== null && e.ended_at !== null)
    .map((e) => (Date.parse(e.ended_at!) - Date.parse(e.started_at!)) / 1000)
    .filter((s) => s >= 0);
  if (walls.length === 0) return { seconds: options.budgetS + options.graceS, measured: false };
  return { seconds: median(walls), measured: true };
}
