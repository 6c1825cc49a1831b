/**
 * What was known when: the baseline the loop compared against and the running best, replayed
 * over a session's rows in id order so that no point of either line uses a run that came later.
 *
 * - The baseline is the mean of the current commit's baseline and control runs. A new commit
 *   (after a keep) takes over once its batch of fresh runs is measured: at the last run of the
 *   batch, the first point where the loop itself compares against it. A later control or
 *   top-up of the current commit moves the line at that run.
 * - Its band is ± the noise SD known then: the pooled spread of every commit's runs so far,
 *   each around its own mean (README: the baseline's spread is the noise).
 * - The running best moves only at decisions (a candidate's last run): the best of the
 *   baseline means measured by then and of the kept changes' means. A kept change counts at
 *   its own runs' mean until its commit's fresh runs are measured, then at theirs: its own runs
 *   were kept for looking good, and ratcheting on them is the bias the re-measure removes.
 *   Reverted changes are not states the code was ever in, so they never count as the best.
 */
import type { Goal } from '../decide/types.ts';
import { candidateRunIndex, measured } from '../session/candidates.ts';
import { isCandidate, isDecided, isHeadRun } from '../session/kinds.ts';
import { mean } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';

export interface BaselineStep {
  /** From this experiment id on (until the next step), the baseline's mean and noise SD. */
  x: number;
  mean: number;
  /** Null until some commit has two measured runs. */
  sd: number | null;
}

export interface Timeline {
  baseline: BaselineStep[];
  best: { x: number; y: number }[];
}

/** One commit's runs so far (Welford): the noise is updated per run, not recomputed over every run at each step. */
class Runs {
  n = 0;
  mean = 0;
  m2 = 0;
  /** Adds a value; returns its increase of the sum of squares. */
  add(x: number): number {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    const before = this.m2;
    this.m2 += d * (x - this.mean);
    return this.m2 - before;
  }
}

export function chartTimeline(rows: readonly ExperimentRow[], goal: Goal): Timeline {
  const better = (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);
  const commits = new Map<string, Runs>();
  let ss = 0;
  let df = 0;
  // Commits whose batch of fresh runs is complete, so the loop compares against their mean.
  const measuredCommits = new Set<string>();
  const kept: { commit: string | null; mean: number }[] = [];
  const runsOf = candidateRunIndex(rows);
  const decidedAt = new Map<number, ExperimentRow>();
  for (const e of rows) {
    if (!isCandidate(e) || !isDecided(e)) continue;
    const runs = runsOf(e);
    if (measured(runs).length > 0) decidedAt.set(Math.max(...runs.map((r) => r.id)), e);
  }

  const baseline: BaselineStep[] = [];
  const best: Timeline['best'] = [];
  let current: string | null = null;
  let batch: { commit: string; last: number } | null = null;

  const step = (x: number) => {
    if (current === null) return;
    const point = { x, mean: commits.get(current)!.mean, sd: df > 0 ? Math.sqrt(ss / df) : null };
    if (baseline.at(-1)?.x === x) baseline[baseline.length - 1] = point;
    else baseline.push(point);
  };
  const closeBatch = () => {
    if (!batch) return;
    measuredCommits.add(batch.commit);
    current = batch.commit;
    step(batch.last);
    if (best.length === 0) best.push({ x: batch.last, y: baseline.at(-1)!.mean });
    batch = null;
  };
  const bestKnown = (): number => {
    const values = [...measuredCommits].map((c) => commits.get(c)!.mean);
    for (const k of kept) if (k.commit === null || !measuredCommits.has(k.commit)) values.push(k.mean);
    return values.reduce((b, v) => (better(v, b) ? v : b));
  };

  for (const e of rows) {
    const value = e.status === 'done' ? e.metric : null;
    if (isHeadRun(e) && value !== null) {
      let runs = commits.get(e.base_commit);
      if (!runs) commits.set(e.base_commit, (runs = new Runs()));
      if (runs.n > 0) df++;
      ss += runs.add(value);
      if (e.base_commit === current) step(e.id);
      else {
        if (batch && batch.commit !== e.base_commit) closeBatch();
        batch = { commit: e.base_commit, last: e.id };
      }
    } else if (!isHeadRun(e)) closeBatch();

    const decided = decidedAt.get(e.id);
    if (decided === undefined) continue;
    if (decided.decision === 'keep') kept.push({ commit: decided.commit_sha, mean: mean(measured(runsOf(decided))) });
    if (best.length === 0) continue;
    const y = bestKnown();
    if (y !== best.at(-1)!.y) best.push({ x: e.id, y });
  }
  closeBatch();
  return { baseline, best };
}
