import type { DecisionInput, Goal } from '../decide/types.ts';
import type { ExperimentRow } from '../store/types.ts';
import { candidateKey, commitKey, measurementGroups } from './groups.ts';

const better = (goal: Goal) => (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);

/**
 * Everything a decision policy needs about one pending candidate. The best single run is over
 * committed code only (baselines, controls and kept candidates): a reverted candidate's lucky
 * run is not a record anyone has to beat.
 */
export function decisionInput(rows: readonly ExperimentRow[], head: string, goal: Goal, candidate: ExperimentRow): DecisionInput {
  const groups = measurementGroups(rows);
  const baselineKey = commitKey(head);
  const ownKey = candidateKey(candidate.id);
  const keptKeys = new Set(rows.filter((e) => e.decision === 'keep').map((e) => candidateKey(e.id)));
  const committed = [...groups].filter(([key]) => key.startsWith('commit ') || keptKeys.has(key)).flatMap(([, g]) => g.map((m) => m.value));
  const bestSingle = committed.reduce<number | undefined>((best, v) => (best === undefined || better(goal)(v, best) ? v : best), undefined);
  return {
    goal,
    baseline: groups.get(baselineKey) ?? [],
    noiseGroups: [...groups].filter(([key, g]) => key !== baselineKey && key !== ownKey && g.length > 1).map(([, g]) => g),
    candidate: groups.get(ownKey) ?? [],
    bestSingle,
    minRuns: candidate.min_runs,
  };
}
