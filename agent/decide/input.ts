/** Checks on a DecisionInput shared by the policies: they are programming errors in the loop. */
import type { DecisionInput } from './types.ts';

export interface Groups {
  baseline: number[];
  candidate: number[];
  noiseGroups: number[][];
}

export function groupsOf(input: DecisionInput): Groups {
  const baseline = input.baseline.map((m) => m.value);
  const candidate = input.candidate.map((m) => m.value);
  const noiseGroups = input.noiseGroups.map((g) => g.map((m) => m.value));
  for (const v of [...baseline, ...candidate, ...noiseGroups.flat()]) {
    if (!Number.isFinite(v)) throw new RangeError(`decide: every measurement must be finite, got ${v}`);
  }
  if (baseline.length === 0) throw new RangeError('decide: the baseline has no finished run to compare with');
  if (candidate.length === 0) throw new RangeError('decide: the candidate has no finished run yet');
  return { baseline, candidate, noiseGroups };
}

/** Positive when the candidate is better, whatever the goal. */
export function improvement(goal: DecisionInput['goal'], delta: number): number {
  return goal === 'minimize' ? -delta : delta;
}
