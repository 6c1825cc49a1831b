import type { Measurement } from '../decide/types.ts';
import type { ExperimentRow } from '../store/types.ts';
import { candidateIdOf, isHeadRun } from './kinds.ts';

/** The configuration a group of runs measured: a commit as it stands, or a candidate change. */
export const commitKey = (sha: string): string => `commit ${sha}`;
export const candidateKey = (id: number | null): string => `candidate ${id}`;

/**
 * Which configuration a run measured: baseline and control runs measure the commit they ran
 * on; a candidate and its confirmations measure the candidate. A kept candidate's own runs do
 * not become its commit's baseline: they were kept *because* they looked good, and that
 * selection would bias every later comparison. Fresh control runs measure the new commit.
 */
export const groupKey = (row: ExperimentRow): string => (isHeadRun(row) ? commitKey(row.base_commit) : candidateKey(candidateIdOf(row)));

/** The runs that finished with a metric, by the configuration they measured, oldest first. */
export function runGroups(rows: readonly ExperimentRow[]): Map<string, ExperimentRow[]> {
  const groups = new Map<string, ExperimentRow[]>();
  for (const row of rows) {
    if (row.status !== 'done' || row.metric === null) continue;
    const key = groupKey(row);
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  return groups;
}

/** runGroups as the decision rules see them: seed and value. */
export function measurementGroups(rows: readonly ExperimentRow[]): Map<string, Measurement[]> {
  return new Map([...runGroups(rows)].map(([key, group]) => [key, group.map((row) => ({ seed: row.seed, value: row.metric! }))]));
}
