/**
 * The default keep/revert rule. A candidate is compared with the mean of the current baseline,
 * never with the best single run:
 *
 * 1. Screen: one run. While the candidate's mean beats the baseline mean by at least
 *    `promisingSd` noise SDs it earns another run (on a baseline seed it has not used yet),
 *    up to `maxRuns`; otherwise it is reverted at once. Most changes stop after one run.
 * 2. Test: at `maxRuns` runs, a one-sided Student t-test of candidate mean vs baseline mean,
 *    with the noise SD pooled over every group of repeated runs (baseline, candidate, earlier
 *    baselines, controls, confirmed candidates). Keep iff p < `alpha` AND the improvement is
 *    at least `minEffectSd` noise SDs.
 *
 * Why a pooled t and not Welch or a paired t: noise is assumed equal across configurations
 * (docs/design.md, "The decision rule"), so pooling turns 2–4 df into dozens and the t quantile
 * from 2.9 toward 1.7.
 * Welch on 3 vs 3 runs has those few df and no gain to show for them; a paired t on ≤ 3 pairs
 * (2 df) only wins when the same seed gives strongly correlated results across configurations
 * (correlation above about 0.8, and then by a few points of power). Where seeds do correlate,
 * confirmations on the baseline's seeds cancel the shared part in the difference of means, so
 * the pooled test gains power and stays valid (conservative).
 *
 * False keeps: only the final test can keep, so with no real effect P(keep) ≤ alpha per
 * decision; stopping early for lack of promise only lowers it. Power, from
 * bench/decision-montecarlo.ts: with under 3 runs per candidate on average, a true 2-SD
 * improvement is kept 83% of the time against a 5-seed baseline once earlier runs have pinned
 * the noise down (76% against 3 seeds: the baseline mean's own error is then the limit).
 * Two things the loop does around the policy keep that true over a whole session (82% with 5
 * seeds): a keep's own runs were chosen for looking good, so the new baseline is measured
 * afresh rather than taken from them; and a baseline that turns candidates down is topped up
 * (headRuns below).
 */
import { z } from 'zod';
import { pooledSd } from '../stats/descriptive.ts';
import { interval } from '../stats/intervals.ts';
import { pooledTTest } from '../stats/tests.ts';
import { deltaClause, pValue, runs } from './format.ts';
import { groupsOf, improvement } from './input.ts';
import { baselineSeeds, nextSeed, screenSeed } from './seeds.ts';
import type { Decision, DecisionInput, DecisionPolicy, DecisionStats, Measurement } from './types.ts';

export const NoiseAwareOptionsSchema = z.object({
  /** One-sided significance level of the final test. */
  alpha: z.number().gt(0).lt(0.5),
  /** The smallest improvement, in noise SDs, that a keep needs beside significance. */
  minEffectSd: z.number().min(0),
  /** The improvement over the baseline mean, in noise SDs, that earns a candidate another run. */
  promisingSd: z.number().min(0),
  /** Runs per candidate: the screening run plus confirmations (more only where minRuns asks). */
  maxRuns: z.number().int().min(1),
});

export type NoiseAwareOptions = z.infer<typeof NoiseAwareOptionsSchema>;

export const NOISE_AWARE_DEFAULTS: Readonly<NoiseAwareOptions> = Object.freeze({
  alpha: 0.05,
  minEffectSd: 1,
  promisingSd: 0.25,
  maxRuns: 3,
});

/** Level of the interval stored with each verdict, the same as the report's effect table. */
const CI_LEVEL = 0.95;

export class NoiseAwarePolicy implements DecisionPolicy {
  readonly name = 'noise-aware';
  readonly options: Readonly<NoiseAwareOptions>;

  constructor(options: Partial<NoiseAwareOptions> = {}) {
    this.options = Object.freeze(NoiseAwareOptionsSchema.parse({ ...NOISE_AWARE_DEFAULTS, ...options }));
  }

  baselineSeeds(count: number): number[] {
    return baselineSeeds(count);
  }

  /**
   * One more run of the baseline after each candidate reverted against it, up to twice
   * `baselineRuns`. Why: the loop stays on a commit until something beats it, so a baseline mean
   * that came out lucky (too good) turns candidates down and is compared with more of them than
   * an unlucky one. Measured through the real loop, that weighting left the mean the decisions
   * saw 0.4 noise SD too good, and a true 2-SD gain was kept 56-65% of the time instead of 80%.
   * Topping the baseline up exactly where it has been turning candidates down dilutes the luck.
   */
  headRuns(baselineRuns: number, reverts: number): number {
    return Math.min(2 * baselineRuns, baselineRuns + reverts);
  }

  /** A promising candidate is confirmed up to maxRuns, or up to the runs it must get if more. */
  maxRunsPerCandidate(minRuns: number): number {
    return Math.max(this.options.maxRuns, minRuns);
  }

  screenSeed(input: Pick<DecisionInput, 'baseline'>): number {
    return screenSeed(input.baseline);
  }

  decide(input: DecisionInput): Decision {
    const { alpha, minEffectSd, promisingSd, maxRuns } = this.options;
    const g = groupsOf(input);
    const noise = pooledSd([g.baseline, g.candidate, ...g.noiseGroups]);
    const test = pooledTTest(g.candidate, g.baseline, input.goal === 'minimize' ? 'less' : 'greater', noise);
    const sd = noise.df > 0 ? noise.sd : null;
    const p = Number.isNaN(test.p) ? null : test.p;
    const ci = sd === null ? null : interval({ estimate: test.delta, se: test.se, df: test.df }, CI_LEVEL);
    const n = g.candidate.length;
    const stats: DecisionStats = { delta: test.delta, sd, n, p, ciLow: ci?.low ?? null, ciHigh: ci?.high ?? null };
    const gain = improvement(input.goal, test.delta);
    const measured = `${deltaClause(test.delta, sd)}, ${pValue(p)} over ${candidateRuns(input)} vs a baseline of ${g.baseline.length}`;

    if (n < input.minRuns) {
      return this.confirm(input, `run ${n + 1} of the ${input.minRuns} this change needs for an interval; so far ${measured}`);
    }
    if (n < Math.max(maxRuns, input.minRuns)) {
      // With no noise estimate yet, any improvement is worth a second run: that run brings one.
      const promising = gain > 0 && (sd === null || gain >= promisingSd * sd);
      if (promising) return this.confirm(input, `promising: ${measured}`);
      return {
        verdict: 'revert',
        reason: `reverted after ${runs(n)}: ${measured}; another run needs an improvement of at least ${promisingSd} SD`,
        stats,
      };
    }
    if (sd === null) {
      return { verdict: 'revert', reason: `reverted: ${measured}; no group has two runs, so there is no noise estimate to test against`, stats };
    }
    const significant = p !== null && p < alpha;
    const largeEnough = gain > 0 && gain >= minEffectSd * sd;
    if (significant && largeEnough) return { verdict: 'keep', reason: `kept: ${measured}`, stats };
    const missing = significant
      ? `smaller than the ${minEffectSd} SD minimum effect`
      : `a keep needs p<${alpha} and an improvement of at least ${minEffectSd} SD`;
    return { verdict: 'revert', reason: `reverted: ${measured}; ${missing}`, stats };
  }

  private confirm(input: DecisionInput, why: string): Decision {
    const seed = nextSeed(input.baseline, input.candidate);
    const paired = input.baseline.some((m) => m.seed === seed);
    return { verdict: 'confirm', seed, reason: `${why}; next: seed ${seed}${paired ? ', as a baseline run' : ', a new one'}` };
  }
}

/** "n=3 runs on baseline seeds": how many runs, and how many share a seed with the baseline. */
function candidateRuns(input: DecisionInput): string {
  const seeds = new Set(input.baseline.map((m: Measurement) => m.seed));
  const n = input.candidate.length;
  const shared = input.candidate.filter((m) => seeds.has(m.seed)).length;
  if (shared === 0) return `n=${runs(n)}`;
  if (shared === n) return `n=${runs(n)} on ${n === 1 ? 'a baseline seed' : 'baseline seeds'}`;
  return `n=${runs(n)} (${shared} on baseline seeds)`;
}
