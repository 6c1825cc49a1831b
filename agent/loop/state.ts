import type { DecisionInput, Goal, Measurement } from '../decide/types.ts';
import { FINISHED_STATUSES, isFailedRun, type ExperimentRow } from '../store/types.ts';

/**
 * Pure reading of a session's rows: what the log says has happened, and therefore what comes
 * next. Deriving this from the log (never from memory) is what makes resume after kill -9 exact.
 */

export const CANDIDATE_KINDS = new Set(['ablation', 'interaction', 'tweak', 'llm']);

export const isCandidate = (e: ExperimentRow): boolean => CANDIDATE_KINDS.has(e.kind);
export const isFinished = (e: ExperimentRow): boolean => FINISHED_STATUSES.includes(e.status);

/** Launched runs that came to an end: what --max-experiments counts. */
export function finishedCount(rows: readonly ExperimentRow[]): number {
  return rows.filter(isFinished).length;
}

/** A candidate whose run was interrupted and has not been re-run yet. */
export function interruptedCandidate(rows: readonly ExperimentRow[]): ExperimentRow | undefined {
  const retried = new Set(rows.map((e) => e.retry_of));
  return rows.find((e) => isCandidate(e) && e.status === 'interrupted' && !retried.has(e.id));
}

export function pendingCandidate(rows: readonly ExperimentRow[]): ExperimentRow | undefined {
  return rows.find((e) => isCandidate(e) && e.decision === 'pending');
}

export function confirmationsOf(rows: readonly ExperimentRow[], candidateId: number): ExperimentRow[] {
  return rows.filter((e) => e.kind === 'confirm' && e.parent_id === candidateId);
}

/**
 * Which configuration a run measured: baseline and control runs measure the commit they ran
 * on; a candidate and its confirmations measure the candidate. A kept candidate's own runs do
 * not become its commit's baseline: they were kept *because* they looked good, and that
 * selection would bias every later comparison. Fresh control runs measure the new commit.
 */
function groupKey(row: ExperimentRow): string {
  if (row.kind === 'baseline' || row.kind === 'control') return `commit ${row.base_commit}`;
  return `candidate ${row.kind === 'confirm' ? row.parent_id : row.id}`;
}

/** Runs of the last kept state that have come to an end (done or not): how far its measurement is. */
export function headRunCount(rows: readonly ExperimentRow[], head: string): number {
  return rows.filter((e) => (e.kind === 'baseline' || e.kind === 'control') && e.base_commit === head && isFinished(e)).length;
}

/**
 * Candidates measured against this commit and reverted. One whose run failed does not count:
 * it was never compared with the baseline, so says nothing about the baseline's luck.
 */
export function revertsOn(rows: readonly ExperimentRow[], head: string): number {
  return rows.filter((e) => isCandidate(e) && e.base_commit === head && e.decision === 'revert' && e.n_runs !== null).length;
}

export function measurementGroups(rows: readonly ExperimentRow[]): Map<string, Measurement[]> {
  const groups = new Map<string, Measurement[]>();
  for (const row of rows) {
    if (row.status !== 'done' || row.metric === null) continue;
    const key = groupKey(row);
    const group = groups.get(key) ?? [];
    group.push({ seed: row.seed, value: row.metric });
    groups.set(key, group);
  }
  return groups;
}

export function headMeasurements(rows: readonly ExperimentRow[], head: string): Measurement[] {
  return measurementGroups(rows).get(`commit ${head}`) ?? [];
}

const better = (goal: Goal) => (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);

/** Everything a decision policy needs about one pending candidate. */
export function decisionInput(rows: readonly ExperimentRow[], head: string, goal: Goal, candidate: ExperimentRow): DecisionInput {
  const groups = measurementGroups(rows);
  const baselineKey = `commit ${head}`;
  const candidateKey = `candidate ${candidate.id}`;
  const keptIds = new Set(rows.filter((e) => e.decision === 'keep').map((e) => `candidate ${e.id}`));
  const committed = [...groups].filter(([key]) => key.startsWith('commit ') || keptIds.has(key)).flatMap(([, g]) => g.map((m) => m.value));
  const bestSingle = committed.reduce<number | undefined>((best, v) => (best === undefined || better(goal)(v, best) ? v : best), undefined);
  return {
    goal,
    baseline: groups.get(baselineKey) ?? [],
    noiseGroups: [...groups].filter(([key, g]) => key !== baselineKey && key !== candidateKey && g.length > 1).map(([, g]) => g),
    candidate: groups.get(candidateKey) ?? [],
    bestSingle,
    minRuns: candidate.min_runs,
  };
}

/** The candidate or confirmation run of a candidate group that failed, if any did. */
export function failedRunOf(rows: readonly ExperimentRow[], candidate: ExperimentRow): ExperimentRow | undefined {
  return [candidate, ...confirmationsOf(rows, candidate.id)].find((e) => isFailedRun(e.status));
}

/** Candidates decided since the last baseline or control run: when to re-measure the baseline. */
export function decisionsSinceControl(rows: readonly ExperimentRow[]): number {
  let count = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if ((row.kind === 'baseline' || row.kind === 'control') && isFinished(row)) break;
    if (isCandidate(row) && (row.decision === 'keep' || row.decision === 'revert')) count++;
  }
  return count;
}
