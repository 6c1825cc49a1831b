import { sameSeedDifferences } from '../decide/comparison.ts';
import type { DecisionInput, Goal } from '../decide/types.ts';
import type { ExperimentRow } from '../store/types.ts';
import { candidateKey, commitKey, measurementGroups } from './groups.ts';
import { isCandidate } from './kinds.ts';
import { isSimplification } from './simplification.ts';

const better = (goal: Goal) => (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);

/**
 * Everything a decision policy needs about one pending candidate. The best single run is over
 * committed code only (baselines, controls and kept candidates): a reverted candidate's lucky
 * run is not a record anyone has to beat. Every earlier candidate with two or more runs on its
 * baseline's seeds gives a group of same-seed differences: how much a paired comparison varies.
 */
export function decisionInput(all: readonly ExperimentRow[], head: string, goal: Goal, candidate: ExperimentRow): DecisionInput {
  const rows = comparableRuns(all, candidate);
  const groups = measurementGroups(rows);
  const baselineKey = commitKey(head);
  const ownKey = candidateKey(candidate.id);
  const keptKeys = new Set(rows.filter((e) => e.decision === 'keep').map((e) => candidateKey(e.id)));
  const committed = [...groups].filter(([key]) => key.startsWith('commit ') || keptKeys.has(key)).flatMap(([, g]) => g.map((m) => m.value));
  const bestSingle = committed.reduce<number | undefined>((best, v) => (best === undefined || better(goal)(v, best) ? v : best), undefined);
  const descriptions = new Map(rows.filter(isCandidate).map((e) => [candidateKey(e.id), `#${e.id} ${e.description}`] as const));
  const noise = [...groups].filter(([key, g]) => key !== baselineKey && key !== ownKey && g.length > 1);
  const pairedGroups: number[][] = [];
  for (const row of rows) {
    if (!isCandidate(row) || row.id === candidate.id) continue;
    const runs = groups.get(candidateKey(row.id));
    const base = groups.get(commitKey(row.base_commit));
    if (!runs || runs.length < 2 || !base) continue;
    const differences = sameSeedDifferences(base, runs);
    if (differences.length > 1) pairedGroups.push(differences);
  }
  return {
    goal,
    baseline: groups.get(baselineKey) ?? [],
    noiseGroups: noise.map(([, g]) => g),
    noiseLabels: noise.map(([key]) => descriptions.get(key) ?? `the baseline of ${key.slice('commit '.length, 'commit '.length + 7)}`),
    pairedGroups,
    simplifies: isSimplification(candidate),
    candidate: groups.get(ownKey) ?? [],
    bestSingle,
    minRuns: candidate.min_runs,
  };
}

/**
 * The runs a candidate may be compared with: those on its own GPU model. A run's speed (steps in
 * the budget) and numerics differ by model, so a mixed pool (--allow-mixed-gpus, or a Slurm
 * partition of several models) would otherwise mix a hardware effect into every delta. Runs with
 * no model (CPU, or no nvidia-smi) are one class of their own; a candidate with none sees them all.
 */
export function comparableRuns(rows: readonly ExperimentRow[], candidate: ExperimentRow): readonly ExperimentRow[] {
  const model = candidate.gpu_model ?? null;
  if (model === null) return rows;
  return rows.filter((e) => (e.gpu_model ?? null) === model);
}
