/**
 * The default keep/revert rule. A candidate is compared with the mean of the current baseline,
 * never with the best single run, on the noise and the pairing decide/comparison.ts chooses
 * (unstable groups set aside, same-seed pairing where the seed correlation pays for it):
 *
 * 1. Runs: how many runs the final test gets is fixed in advance from the noise estimates alone
 *    (never from the candidate's own delta, so the test keeps its level): the fewest, between
 *    `minKeepRuns` and `maxRuns`, that give the test `power` for a true improvement of
 *    `planEffectSd` noise SDs. With independent seeds and a 5-run baseline that is 3 runs; where
 *    seeds correlate strongly, pairing makes it 2.
 * 2. Screen: one run. While the candidate's delta beats the baseline by at least `promisingSd`
 *    noise SDs it earns another run (on a baseline seed it has not used yet), up to that count;
 *    otherwise it is reverted at once. Most changes stop after one run.
 * 3. Test: a one-sided t-test of the delta. Keep iff p < `alpha` AND the improvement is at least
 *    `minEffectSd` noise SDs.
 * 4. Simplifications (a change that only removes: an ablation to false/0/none, or a diff with no
 *    added line) that are not better are kept when a non-inferiority test shows they are not
 *    worse by `simplifyMarginSd` noise SDs or more (one-sided, level `alpha`: a change exactly
 *    that much worse is kept with probability alpha, a worse one less often). They go on from the
 *    screen while their delta is within the margin, and get more runs (up to `simplifyMaxRuns`)
 *    where that buys the non-inferiority test its `power` on a truly neutral change.
 *
 * False keeps: only the final tests can keep, so with no real effect P(keep) ≤ alpha per
 * decision (the superiority test); stopping early only lowers it. Two things the loop does around
 * the policy keep that true over a whole session: a keep's own runs were chosen for looking good,
 * so the new baseline is measured afresh rather than taken from them; and a baseline that turns
 * candidates down is topped up (headRuns below).
 */
import { z } from 'zod';
import { normalCdf, normalQuantile } from '../stats/normal.ts';
import { interval } from '../stats/intervals.ts';
import { oneSided } from '../stats/tests.ts';
import { tCdf } from '../stats/t-dist.ts';
import { proseNum } from '../format/numbers.ts';
import { compare, critical, type Comparison } from './comparison.ts';
import { deltaClause, noiseClause, pValue, runs } from './format.ts';
import { groupsOf, improvement } from './input.ts';
import { baselineSeeds, nextSeed, screenSeed } from './seeds.ts';
import type { Decision, DecisionInput, DecisionPolicy, DecisionStats, KeepBar, Measurement } from './types.ts';

export const NoiseAwareOptionsSchema = z.object({
  /** One-sided significance level of the final tests. */
  alpha: z.number().gt(0).lt(0.5),
  /** The smallest improvement, in noise SDs, that a keep needs beside significance. */
  minEffectSd: z.number().min(0),
  /** The improvement over the baseline, in noise SDs, that earns a candidate another run. */
  promisingSd: z.number().min(0),
  /** Most runs per candidate: the screening run plus confirmations (more only where minRuns asks). */
  maxRuns: z.number().int().min(1),
  /** Fewest runs behind a keep: one run is never enough to keep, however well paired. */
  minKeepRuns: z.number().int().min(1),
  /** The true improvement, in noise SDs, that the test is planned to find with `power`. */
  planEffectSd: z.number().gt(0),
  power: z.number().gt(0).lt(1),
  /** Non-inferiority margin for simplifications, in noise SDs (0: never keep a change that is not better). */
  simplifyMarginSd: z.number().min(0),
  /** Most runs a simplification may get for its non-inferiority test. */
  simplifyMaxRuns: z.number().int().min(1),
});

export type NoiseAwareOptions = z.infer<typeof NoiseAwareOptionsSchema>;

export const NOISE_AWARE_DEFAULTS: Readonly<NoiseAwareOptions> = Object.freeze({
  alpha: 0.05,
  minEffectSd: 1,
  promisingSd: 0.25,
  maxRuns: 3,
  minKeepRuns: 2,
  planEffectSd: 2,
  power: 0.85,
  simplifyMarginSd: 0.5,
  simplifyMaxRuns: 6,
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

  screenSeed(input: Pick<DecisionInput, 'baseline'> & { index?: number }): number {
    return screenSeed(input.baseline, input.index);
  }

  decide(input: DecisionInput): Decision {
    const { alpha, minEffectSd, promisingSd, simplifyMarginSd } = this.options;
    groupsOf(input);
    const c = compare(input);
    const sd = c.noise.sd;
    const n = input.candidate.length;
    const test = oneSided({ estimate: c.delta, se: c.se, df: c.df }, input.goal === 'minimize' ? 'less' : 'greater');
    const p = Number.isNaN(test.p) ? null : test.p;
    const ci = sd === null || !(c.df > 0) ? null : interval({ estimate: c.delta, se: c.se, df: c.df }, CI_LEVEL);
    const stats: DecisionStats = { delta: c.delta, sd, n, p, ciLow: ci?.low ?? null, ciHigh: ci?.high ?? null, noise: c.noise };
    const gain = improvement(input.goal, c.delta);
    const measured = `${deltaClause(c.delta, sd)}, ${pValue(p)} over ${candidateRuns(input)} vs a baseline of ${input.baseline.length}${noiseClause(c.noise)}`;
    const needed = this.runsNeeded(input, c);
    const simplifies = input.simplifies === true && simplifyMarginSd > 0;

    if (n < input.minRuns) {
      return this.confirm(input, `run ${n + 1} of the ${input.minRuns} this change needs for an interval; so far ${measured}`);
    }
    if (n < needed) {
      // With no noise estimate yet, any improvement is worth a second run: that run brings one.
      const promising = gain > 0 && (sd === null || gain >= promisingSd * sd);
      if (promising) return this.confirm(input, `promising: ${measured}`);
      const withinMargin = simplifies && sd !== null && -gain < simplifyMarginSd * sd;
      if (withinMargin) return this.confirm(input, `simpler, and within the ${simplifyMarginSd} SD margin so far: ${measured}`);
      const why = simplifies
        ? `at least ${promisingSd} SD better, or within the ${simplifyMarginSd} SD margin as a simplification`
        : `at least ${promisingSd} SD`;
      return { verdict: 'revert', reason: `reverted after ${runs(n)}: ${measured}; another run needs an improvement of ${why}`, stats };
    }
    if (sd === null) {
      return { verdict: 'revert', reason: `reverted: ${measured}; no group has two runs, so there is no noise estimate to test against`, stats };
    }
    const significant = p !== null && p < alpha;
    const largeEnough = gain > 0 && gain >= minEffectSd * sd;
    if (significant && largeEnough) return { verdict: 'keep', reason: `kept: ${measured}`, stats };
    if (simplifies) {
      // H0: the simplification costs at least the margin. t = (cost − margin·σ)/SE, one-sided.
      const margin = simplifyMarginSd * sd;
      const pNotWorse = c.se > 0 && c.df > 0 ? tCdf((-gain - margin) / c.se, c.df) : -gain < margin ? 0 : 1;
      const bound = -gain + (c.df > 0 ? critical(c.se, c.df, alpha) : 0);
      const test = `at most ${proseNum(Math.max(0, bound))} worse at ${Math.round((1 - alpha) * 100)}% confidence, margin ${proseNum(margin)} (${simplifyMarginSd} SD), ${pValue(pNotWorse)}`;
      if (pNotWorse < alpha) return { verdict: 'keep', reason: `kept: simpler and not worse: ${measured}; ${test}`, stats };
      return { verdict: 'revert', reason: `reverted: ${measured}; not better, and as a simplification not shown within the margin (${test})`, stats };
    }
    const missing = significant
      ? `smaller than the ${minEffectSd} SD minimum effect`
      : `a keep needs p<${alpha} and an improvement of at least ${minEffectSd} SD`;
    return { verdict: 'revert', reason: `reverted: ${measured}; ${missing}`, stats };
  }

  /** Runs the candidate gets before its final test (see step 1 above); the most it can need is maxRunsPerCandidate. */
  runsNeeded(input: DecisionInput, c: Comparison): number {
    const { maxRuns, minKeepRuns, planEffectSd, power, minEffectSd, simplifyMarginSd, simplifyMaxRuns } = this.options;
    const cap = Math.max(maxRuns, input.minRuns);
    const floor = Math.min(Math.max(minKeepRuns, input.minRuns), cap);
    const sd = c.noise.sd;
    if (sd === null || c.noise.method === 'welch' || floor >= cap) return Math.max(floor, cap);
    const seAt = (k: number) => this.testAt(input, c, k);
    const first = (from: number, to: number, enough: (k: number) => boolean) => {
      for (let k = from; k <= to; k++) if (enough(k)) return k;
      return null;
    };
    const superiority = first(floor, cap, (k) => {
      const { se, crit } = seAt(k);
      return normalCdf((planEffectSd * sd - Math.max(crit, minEffectSd * sd)) / se) >= power;
    });
    const runsFor = superiority ?? cap;
    if (input.simplifies !== true || simplifyMarginSd === 0) return runsFor;
    // A simplification gets more runs only where they give the non-inferiority test its power.
    const notWorse = first(floor, Math.max(simplifyMaxRuns, input.minRuns), (k) => {
      const { se, crit } = seAt(k);
      return normalCdf((simplifyMarginSd * sd - crit) / se) >= power;
    });
    return Math.max(runsFor, notWorse ?? runsFor);
  }

  /**
   * The bar of the final test at the runs a change proposed now would get: the larger of the
   * test's critical difference and the minimum effect, and the improvement that clears it with
   * the planned power (the screen, which lets anything ahead by a quarter SD on, is not counted).
   */
  keepBar(input: DecisionInput): KeepBar {
    const { minEffectSd, power } = this.options;
    const c = compare(input);
    const sd = c.noise.sd;
    const runs = this.runsNeeded(input, c);
    const pairedSd = c.noise.method === 'paired' ? c.noise.pairedSd : null;
    if (sd === null) return { sd, method: c.noise.method, pairedSd, runs, bar: null, likely: null, power };
    const { se, crit } = this.testAt(input, c, runs);
    const bar = Math.max(crit, minEffectSd * sd);
    return { sd, method: c.noise.method, pairedSd, runs, bar, likely: bar + normalQuantile(power) * se, power };
  }

  /** The test the comparison chose, at k candidate runs (confirmations go to the baseline's seeds first). */
  private testAt(input: DecisionInput, c: Comparison, k: number): { se: number; crit: number } {
    const sd = c.noise.sd!;
    const m = input.baseline.length;
    const paired = c.noise.method === 'paired' && c.noise.pairedSd !== null;
    const se = paired ? c.noise.pairedSd! / Math.sqrt(Math.min(k, m)) : sd * Math.sqrt(1 / k + 1 / m);
    return { se, crit: critical(se, paired ? c.noise.pairedDf : c.noise.df, this.options.alpha) };
  }

  /** The most runs a change can get: a simplification's non-inferiority test may take up to simplifyMaxRuns. */
  maxRunsPerCandidate(minRuns: number, simplifies = false): number {
    const { maxRuns, simplifyMaxRuns, simplifyMarginSd } = this.options;
    return Math.max(maxRuns, minRuns, simplifies && simplifyMarginSd > 0 ? simplifyMaxRuns : 0);
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
