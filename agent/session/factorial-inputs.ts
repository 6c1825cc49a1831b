import type { FactorialFactor, FactorialRun } from '../stats/factorial-effects.ts';
import type { ExperimentRow } from '../store/types.ts';
import { candidateRunIndex, measured } from './candidates.ts';
import { specKey, specsOf } from './effect-inputs.ts';
import { commitKey, runGroups } from './groups.ts';
import { isDecided } from './kinds.ts';

/**
 * The runs behind a factorial design's tables (agent/proposers/factorial-points.ts): its points that were measured,
 * plus the baseline runs of the commit it ran on, which measure the all-zero point. One family
 * per commit, as for leave-one-out, though the planner runs a design on one commit only.
 */
export interface FactorialFamilyInput {
  baseCommit: string;
  factors: FactorialFactor[];
  runs: FactorialRun[];
  /** Measured design points and baseline runs, for the heading. */
  designRuns: number;
  baselineRuns: number;
  /** A point behind each effect and each pair (the one ablating fewest other components), in the tables' order. */
  effectRows: (ExperimentRow | undefined)[];
  pairRows: (ExperimentRow | undefined)[];
}

export function factorialInputs(rows: readonly ExperimentRow[]): FactorialFamilyInput[] {
  const groups = runGroups(rows);
  const runsOf = candidateRunIndex(rows);
  const points = rows.filter((e) => e.design === 'factorial' && isDecided(e) && measured(runsOf(e)).length > 0);
  return [...new Set(points.map((e) => e.base_commit))].flatMap((commit) => {
    const baseline = measured(groups.get(commitKey(commit)) ?? []);
    const here = points.filter((e) => e.base_commit === commit);
    if (baseline.length === 0 || here.length === 0) return [];
    const found = new Map<string, FactorialFactor>();
    // Each point lists its ablations in the markers' order, and every pair of factors is ablated together somewhere, so that order is recoverable.
    const before = new Set<string>();
    for (const e of here) {
      const specs = specsOf(e).map((s) => ({ key: specKey(s), factor: { component: s.part, change: `${s.from} -> ${s.to}` } }));
      specs.forEach((s, i) => {
        if (!found.has(s.key)) found.set(s.key, s.factor);
        for (const later of specs.slice(i + 1)) before.add(`${s.key}\n${later.key}`);
      });
    }
    const keys = new Map([...found].sort(([a], [b]) => (before.has(`${a}\n${b}`) ? -1 : before.has(`${b}\n${a}`) ? 1 : 0)));
    const index = new Map([...keys.keys()].map((key, i) => [key, i] as const));
    const xOf = (e: ExperimentRow) => {
      const x = new Array<number>(keys.size).fill(0);
      for (const s of specsOf(e)) x[index.get(specKey(s))!] = 1;
      return x;
    };
    const zero = new Array<number>(keys.size).fill(0);
    const runs: FactorialRun[] = [
      ...baseline.map((value) => ({ x: zero, value })),
      ...here.flatMap((e) => measured(runsOf(e)).map((value) => ({ x: xOf(e), value }))),
    ];
    // Undefined only where no point ablates them all, and then the fit is not estimable either.
    const fewest = (...fs: number[]) =>
      here
        .filter((e) => fs.every((f) => xOf(e)[f] === 1))
        .reduce<ExperimentRow | undefined>((best, e) => (!best || specsOf(e).length < specsOf(best).length ? e : best), undefined);
    const k = keys.size;
    const effectRows = Array.from({ length: k }, (_, i) => fewest(i));
    const pairRows = Array.from({ length: k }, (_, i) => Array.from({ length: k - i - 1 }, (_, d) => fewest(i, i + d + 1))).flat();
    return [
      { baseCommit: commit, factors: [...keys.values()], runs, designRuns: runs.length - baseline.length, baselineRuns: baseline.length, effectRows, pairRows },
    ];
  });
}
