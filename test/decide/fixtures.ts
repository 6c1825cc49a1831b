import type { DecisionInput, Measurement } from '../../agent/decide/types.ts';

/** Runs with seeds first, first + 1, …, one per value. */
export const runs = (values: number[], first = 1): Measurement[] => values.map((value, i) => ({ seed: first + i, value }));

/** A baseline of five runs: mean 1.9, sample SD 0.0158. */
export const BASELINE = runs([1.9, 1.92, 1.88, 1.91, 1.89]);

export function input(over: Partial<DecisionInput>): DecisionInput {
  return { goal: 'minimize', baseline: BASELINE, noiseGroups: [], candidate: [], bestSingle: 1.88, minRuns: 1, ...over };
}
