import type { Db } from './db.ts';
import type { StepMetrics } from './metrics.ts';

export interface StepSeries {
  name: string;
  steps: number[];
  values: number[];
}

/** Step metrics of one run after `afterStep`, regrouped from the metrics table's one row per name. */
export function stepsSince(db: Db, experimentId: number, afterStep: number): StepMetrics[] {
  const rows = db
    .prepare('SELECT step, name, value, elapsed_s FROM metrics WHERE experiment_id = ? AND step > ? ORDER BY step')
    .raw(true)
    .all(experimentId, afterStep) as [number, string, number | null, number | null][];
  const steps: StepMetrics[] = [];
  for (const [step, name, value, elapsed] of rows) {
    let last = steps.at(-1);
    if (last?.step !== step) steps.push((last = { step, elapsed_s: elapsed, values: {} }));
    last.values[name] = value;
  }
  return steps;
}

/** Step metrics of one run, one series per name (the metrics primary key is (experiment_id, name, step)). */
export function stepSeries(db: Db, experimentId: number): StepSeries[] {
  const rows = db.prepare('SELECT name, step, value FROM metrics WHERE experiment_id = ? ORDER BY name, step').raw(true).all(experimentId) as [
    string,
    number,
    number | null,
  ][];
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

/** One run's series of one step metric with the seconds each step was reached at (null where not reported). */
export interface TimedSeries extends StepSeries {
  experiment: number;
  elapsed: (number | null)[];
}

/** Step metrics of several runs at once, one series per run and name, for learning curves. */
export function timedSeries(db: Db, experimentIds: readonly number[]): TimedSeries[] {
  const rows = db
    .prepare(
      'SELECT experiment_id, name, step, value, elapsed_s FROM metrics WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY experiment_id, name, step',
    )
    .raw(true)
    .all(JSON.stringify(experimentIds)) as [number, string, number, number | null, number | null][];
  const series = new Map<string, TimedSeries>();
  for (const [experiment, name, step, value, elapsed] of rows) {
    if (value === null) continue;
    const key = `${experiment} ${name}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { experiment, name, steps: [], values: [], elapsed: [] }));
    s.steps.push(step);
    s.values.push(value);
    s.elapsed.push(elapsed);
  }
  return [...series.values()];
}
