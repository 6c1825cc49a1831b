import type { Db } from '../store/db.ts';
import { runsOfCommit } from '../store/experiment-reads.ts';
import { timedSeries } from '../store/metric-reads.ts';
import { isHeadRun } from '../session/kinds.ts';
import type { ExperimentRow } from '../store/types.ts';
import { curveData, type CurveData } from './curves.ts';

/**
 * The learning curves of an experiment from the log. `runs` are its configuration's runs (as
 * `show` reads them: a candidate and its confirmations, or a commit's baseline runs). A
 * candidate is drawn over the baseline it was compared with: its commit's baseline and control
 * runs from before the candidate started (later top-ups came after the verdict); a baseline run
 * over its own commit's runs.
 */
export function readCurves(db: Db, experiment: ExperimentRow, runs: readonly ExperimentRow[]): CurveData {
  const first = runs[0] ?? experiment;
  const baseline = isHeadRun(experiment) ? runs : runsOfCommit(db, first.session_id, first.base_commit).filter((r) => r.id < first.id);
  const ids = [...new Set([...runs, ...baseline].map((r) => r.id))];
  return curveData({ experiment, runs, baseline, series: timedSeries(db, ids) });
}
