/**
 * autoresearch's rule, kept for comparison (`--decision greedy`): one run, kept iff it beats the
 * best single value recorded so far, with no confirmation and no test. With run-to-run noise a
 * no-op change beats a one-run baseline half the time, and each lucky keep lowers the record.
 * Where minRuns asks for more runs, their mean is what must beat the record.
 */
import { proseNum } from '../format/numbers.ts';
import { mean, pooledSd } from '../stats/descriptive.ts';
import { deltaClause, runs } from './format.ts';
import { groupsOf, improvement } from './input.ts';
import { normalQuantile } from '../stats/normal.ts';
import { baselineSeeds, nextSeed, screenSeed } from './seeds.ts';
import type { Decision, DecisionInput, DecisionPolicy, KeepBar } from './types.ts';

/** The chance the keep bar's `likely` improvement is kept with: the noise-aware rule's planned power, so both rules' bars read alike. */
const LIKELY = 0.85;

export class GreedyPolicy implements DecisionPolicy {
  readonly name = 'greedy';

  baselineSeeds(count: number): number[] {
    return baselineSeeds(count);
  }

  /** autoresearch never re-measures: more runs would only lower the record by luck. */
  headRuns(baselineRuns: number): number {
    return baselineRuns;
  }

  /** One run, or the runs minRuns asks for: greedy never confirms. */
  maxRunsPerCandidate(minRuns: number): number {
    return minRuns;
  }

  screenSeed(input: Pick<DecisionInput, 'baseline'>): number {
    return screenSeed(input.baseline);
  }

  /** One run must beat the record: the bar is the record's lead over the baseline mean. */
  keepBar(input: DecisionInput): KeepBar {
    const g = groupsOf(input);
    const noise = pooledSd([g.baseline, ...g.noiseGroups]);
    const sd = noise.df > 0 ? noise.sd : null;
    const base = mean(g.baseline);
    const bar = Math.max(0, improvement(input.goal, recordOf(input, g.baseline) - base));
    const runs = input.minRuns;
    return {
      sd,
      method: 'record',
      pairedSd: null,
      runs,
      bar,
      likely: sd === null ? null : bar + normalQuantile(LIKELY) * (sd / Math.sqrt(runs)),
      power: LIKELY,
    };
  }

  decide(input: DecisionInput): Decision {
    const g = groupsOf(input);
    const n = g.candidate.length;
    if (n < input.minRuns) {
      const seed = nextSeed(input.baseline, input.candidate);
      return { verdict: 'confirm', seed, reason: `run ${n + 1} of the ${input.minRuns} this change needs; next: seed ${seed}` };
    }
    const minimize = input.goal === 'minimize';
    const value = mean(g.candidate);
    const record = recordOf(input, g.baseline);
    const beats = minimize ? value < record : value > record;
    const delta = value - mean(g.baseline);
    const noise = pooledSd([g.baseline, g.candidate, ...g.noiseGroups]);
    const sd = noise.df > 0 ? noise.sd : null;
    const what = n === 1 ? proseNum(value, 5) : `the mean ${proseNum(value, 5)} of ${runs(n)}`;
    return {
      verdict: beats ? 'keep' : 'revert',
      reason: `${beats ? 'kept' : 'reverted'} (greedy): ${what} ${beats ? 'beats' : 'does not beat'} the best single run so far, ${proseNum(record, 5)}; ${deltaClause(delta, sd)} vs the baseline mean, n=${n}, no test`,
      stats: { delta, sd, n, p: null, ciLow: null, ciHigh: null },
    };
  }
}

/** The single run to beat: the best committed one so far, else the baseline's best. */
function recordOf(input: DecisionInput, baseline: readonly number[]): number {
  return input.bestSingle ?? (input.goal === 'minimize' ? Math.min(...baseline) : Math.max(...baseline));
}
