import { improvement } from '../decide/input.ts';
import type { Goal } from '../decide/types.ts';
import { mean } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';
import { isCandidate, isDecided, isSuperseded } from './kinds.ts';

/** A proposer's predicted delta beside the delta its change's verdict observed. */
export interface Prediction {
  experiment: number;
  predicted: number;
  observed: number;
}

/**
 * How well a proposer's predicted deltas matched what its changes did: mean absolute error,
 * how often the sign was right (both better, or both not), and the optimism (predicted
 * improvement minus observed, on average; positive: it expects more than it gets). Nulls while
 * no change with a prediction has been decided.
 */
export interface Calibration {
  n: number;
  mae: number | null;
  sign_agreement: number | null;
  optimism: number | null;
}

/**
 * The decided changes that carried a prediction. A re-test (retry_of) carries its original's:
 * the loop copies a change it runs again, not the proposer's prediction of it.
 */
export function predictions(rows: readonly ExperimentRow[]): Prediction[] {
  const byId = new Map(rows.map((e) => [e.id, e] as const));
  // retry_of points to an earlier row, so the chain ends.
  const predictedOf = (e: ExperimentRow | undefined): number | null =>
    e === undefined ? null : (e.predicted_delta ?? (e.retry_of === null ? null : predictedOf(byId.get(e.retry_of))));
  return rows.flatMap((e) => {
    if (!isCandidate(e) || !isDecided(e) || isSuperseded(e) || e.delta === null) return [];
    const predicted = predictedOf(e);
    return predicted === null ? [] : [{ experiment: e.id, predicted, observed: e.delta }];
  });
}

export function calibration(list: readonly Prediction[], goal: Goal): Calibration {
  if (list.length === 0) return { n: 0, mae: null, sign_agreement: null, optimism: null };
  const better = (d: number) => improvement(goal, d) > 0;
  return {
    n: list.length,
    mae: mean(list.map((p) => Math.abs(p.predicted - p.observed))),
    sign_agreement: list.filter((p) => better(p.predicted) === better(p.observed)).length / list.length,
    optimism: mean(list.map((p) => improvement(goal, p.predicted) - improvement(goal, p.observed))),
  };
}

/** One sentence: "over 12 decided changes: mean absolute error 0.004; the sign right in 9 of 12; 0.003 more hopeful than observed on average". */
export function calibrationText(c: Calibration, num: (x: number) => string): string {
  if (c.n === 0 || c.mae === null || c.sign_agreement === null || c.optimism === null) return 'no decided change with a prediction yet';
  const right = Math.round(c.sign_agreement * c.n);
  const lean =
    c.optimism === 0
      ? 'neither hopeful nor cautious on average'
      : `${num(Math.abs(c.optimism))} ${c.optimism > 0 ? 'more hopeful' : 'more cautious'} than observed on average`;
  return `over ${c.n} decided ${c.n === 1 ? 'change' : 'changes'}: mean absolute error ${num(c.mae)}; the sign right in ${right} of ${c.n}; ${lean}`;
}
