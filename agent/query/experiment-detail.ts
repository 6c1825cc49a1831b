import { UserError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';

export interface StepSeries {
  name: string;
  steps: number[];
  values: number[];
}

/** Everything `nightshift show` tells about one experiment. */
export interface ExperimentDetail {
  experiment: ExperimentRow;
  session: SessionRow;
  /** The candidate whose verdict this row shares: itself, or the parent of a confirmation run. */
  candidate: ExperimentRow | null;
  /** Every run of the same configuration: a candidate with its confirmations, or the baseline/control runs of a commit. */
  runs: ExperimentRow[];
  series: StepSeries[];
}

export function experimentDetail(db: Db, id: number): ExperimentDetail {
  const experiment = db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRow | undefined;
  if (!experiment) {
    const max = (db.prepare('SELECT max(id) AS max FROM experiments').get() as { max: number | null }).max;
    throw new UserError(`no experiment ${id} in the log${max === null ? ' (it has none yet)' : ` (ids go up to ${max})`}`);
  }
  const session = db.prepare('SELECT * FROM sessions WHERE id = ?').get(experiment.session_id) as SessionRow;
  const candidate =
    experiment.kind === 'confirm'
      ? ((db.prepare('SELECT * FROM experiments WHERE id = ?').get(experiment.parent_id) as ExperimentRow | undefined) ?? null)
      : experiment.kind === 'baseline' || experiment.kind === 'control'
        ? null
        : experiment;
  const runs = candidate
    ? (db.prepare('SELECT * FROM experiments WHERE id = ? OR parent_id = ? ORDER BY id').all(candidate.id, candidate.id) as ExperimentRow[])
    : (db
        .prepare(`SELECT * FROM experiments WHERE session_id = ? AND kind IN ('baseline', 'control') AND base_commit = ? ORDER BY id`)
        .all(experiment.session_id, experiment.base_commit) as ExperimentRow[]);
  return { experiment, session, candidate, runs, series: stepSeries(db, id) };
}

/** Step metrics of one run, one series per name (the metrics primary key is (experiment_id, name, step)). */
function stepSeries(db: Db, id: number): StepSeries[] {
  const rows = db.prepare('SELECT name, step, value FROM metrics WHERE experiment_id = ? ORDER BY name, step').raw(true).all(id) as [string, number, number | null][];
  const byName = new Map<string, StepSeries>();
  for (const [name, step, value] of rows) {
    if (value === null) continue;
    let series = byName.get(name);
    if (!series) byName.set(name, (series = { name, steps: [], values: [] }));
    series.steps.push(step);
    series.values.push(value);
  }
  return [...byName.values()];
}
