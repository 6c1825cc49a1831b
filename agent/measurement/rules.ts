/**
 * The rules of the measurement nightshift checks itself rather than trusting the script
 * (docs/design.md, "Rules"). Each returns the one-sentence reason a run is invalid, or null.
 */
import type { Goal } from '../decide/types.ts';
import type { ExperimentRow } from '../store/types.ts';

/** Training may run this far past its budget (start-up, a first run timing its steps, a busy machine). */
export const budgetToleranceS = (budgetS: number): number => 0.1 * budgetS + 20;

export function overBudget(trainS: number, budgetS: number): string | null {
  const limit = budgetS + budgetToleranceS(budgetS);
  return trainS > limit
    ? `its training ran ${trainS.toFixed(1)} s, past the budget of ${budgetS} s plus ${budgetToleranceS(budgetS).toFixed(0)} s tolerance`
    : null;
}

export function repeatedFinal(lines: number, who: 'training' | 'evaluation'): string | null {
  return lines > 1 ? `its ${who} printed ${lines} final lines` : null;
}

/** A metric better than the best the data allows is a leak or a forgery, never progress. */
export function beyondFloor(metric: string, value: number, floor: number | null, goal: Goal): string | null {
  if (floor === null) return null;
  const slack = 1e-9 * Math.max(1, Math.abs(floor));
  const beyond = goal === 'minimize' ? value < floor - slack : value > floor + slack;
  return beyond ? `its ${metric} ${value} is ${goal === 'minimize' ? 'below' : 'above'} the floor ${floor} its evaluation states` : null;
}

// The seed rule's finding, as the run that first found it says it; later runs point back to that run.
const IGNORES_SEED = 'the script ignores NIGHTSHIFT_SEED';

/**
 * A run of the same code (same commit, same diff) on another seed with exactly the same metric:
 * the script ignores NIGHTSHIFT_SEED (autoresearch's train.py seeds with a constant), so repeating
 * it measures nothing about noise. The session is told why once, by the first such run; every
 * later one is as invalid but says only which run it repeats and where the reason is.
 */
export function seedIgnored(metric: string, value: number, run: ExperimentRow, rows: readonly ExperimentRow[]): string | null {
  const twin = rows.find(
    (e) => e.id !== run.id && e.status === 'done' && e.metric === value && e.seed !== run.seed && e.base_commit === run.base_commit && e.diff === run.diff,
  );
  if (!twin) return null;
  const told = rows.find((e) => e.id !== run.id && e.status === 'invalid' && e.reason?.includes(IGNORES_SEED));
  return told
    ? `it repeats run ${twin.id} exactly on another seed (the seed is ignored: see run ${told.id})`
    : `its ${metric} ${value} is exactly that of run ${twin.id} on seed ${twin.seed}: ${IGNORES_SEED}, so repeated runs measure no noise; seed every random generator from it`;
}

export function changedDuringRun(files: readonly string[]): string | null {
  if (files.length === 0) return null;
  const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? ` and ${files.length - 5} more` : '');
  return `it changed ${shown} during the run; only the editable files may change`;
}
