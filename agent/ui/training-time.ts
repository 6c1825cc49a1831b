/**
 * How much of a session's time went to training. A run's wall time also holds the process's
 * start-up (an interpreter, a framework, the data) and, for the default sandbox, its saving of
 * the model; the evaluation comes after. So the training script's own clock counts where it
 * states one: `training_s` or `elapsed_s` in its final line (the default sandbox and the torch
 * template print `elapsed_s`, timed from the first step to the last). The run's wall time counts
 * only for a run whose script states nothing, and the label says so.
 */
import { finalFields, finalNumber } from '../runner/final-fields.ts';
import type { ExperimentRow } from '../store/types.ts';

/** Where the seconds came from: the scripts' own clocks, the runs' wall time, or both. */
export type TrainingSource = 'script' | 'wall' | 'mixed';

export interface TrainingTime {
  seconds: number;
  source: TrainingSource | null;
}

const TRAINING_FIELDS = ['training_s', 'elapsed_s'];

/** The training seconds a run's script states in its final line, or null. */
export const statedTrainingS = (finalJson: string | null): number | null => finalNumber(finalFields(finalJson), ...TRAINING_FIELDS);

/** Seconds of training over the runs that ended (a running row is the in-flight run's: added live). */
export function trainingTime(rows: readonly Pick<ExperimentRow, 'status' | 'run_s' | 'final_json'>[]): TrainingTime {
  let seconds = 0;
  let script = false;
  let wall = false;
  for (const e of rows) {
    if (e.status === 'running' || e.run_s === null) continue;
    const stated = statedTrainingS(e.final_json);
    if (stated !== null) script = true;
    else wall = true;
    // A script's clock can only be shorter than its process's.
    seconds += stated === null ? e.run_s : Math.min(stated, e.run_s);
  }
  return { seconds, source: script && wall ? 'mixed' : script ? 'script' : wall ? 'wall' : null };
}

/** The counts line's words for a share: a wall time is an upper bound, and the label says it is one. */
export function trainingLabel(share: string, source: TrainingSource | null): string {
  if (source === 'wall') return `training ≤ ${share} (wall time)`;
  if (source === 'mixed') return `training ${share} of the time (partly wall time)`;
  return `training ${share} of the time`;
}
