/**
 * Whether a re-measure agrees with the logged result (README, "Checking a result"). Two checks,
 * each a two-sided 95% t-interval:
 *
 * - the effect: the new delta (the change's new runs minus its base's new runs) against the
 *   logged delta, SE² = σc²·(1/n₀ + 1/n₁) + σb²·(1/b₀ + 1/b₁), Welch–Satterthwaite df;
 * - the level: the change's new mean against its logged mean, SE = σc·√(1/n₀ + 1/n₁).
 *
 * σc is the change's run-to-run SD, pooled over its logged and its new runs; σb the base's, over
 * its logged runs (up to the verdict) and its new ones. Not one σ for both: a change can make
 * training far more (or less) erratic than its base, and a pool dominated by the quieter base
 * would call an erratic change's honest spread a disagreement. Where one of them has no spread
 * to measure (single runs), the other's stands in for it. The new runs share seeds pairwise, but
 * the test is unpaired: exact with independent seeds, conservative where seeds correlate; a
 * logged delta from a paired test errs the same way.
 *
 * Verdict: `agrees` when both checks do; `shifted` when the effect agrees but the level moved
 * (the base moved as much: this machine or this day measures differently, the change does what
 * the log says); `disagrees` when the effect does not; `undetermined` without the runs for it.
 */
import { num, signed } from '../format/numbers.ts';
import { mean, pooledSd, type PooledSd } from '../stats/descriptive.ts';
import { tCdf, tQuantile } from '../stats/t-dist.ts';

export interface Measured {
  /** The change's metric values that finished. */
  runs: readonly number[];
  /** Its base commit's values (baseline and control runs). */
  base: readonly number[];
}

/** One check: the logged value, the new one, and the interval of their difference. */
export interface Check {
  logged: number;
  now: number;
  low: number;
  high: number;
  p: number;
  agrees: boolean;
}

export interface Agreement {
  verdict: 'agrees' | 'shifted' | 'disagrees' | 'undetermined';
  effect: Check | null;
  level: Check | null;
  /** The run-to-run SD of the change and of its base, each pooled over its logged and new runs. */
  noise: { change: PooledSd; base: PooledSd };
  /** The new delta: the change's new mean minus its base's. */
  delta: number | null;
}

const LEVEL = 0.95;

/** A part of a difference's variance: one configuration's noise over its two groups of runs. */
interface Part {
  noise: PooledSd;
  sizes: readonly number[];
}

function check(logged: number, now: number, parts: readonly Part[]): Check {
  const variances = parts.map((part) => part.noise.sd ** 2 * part.sizes.reduce((sum, n) => sum + 1 / n, 0));
  const se = Math.sqrt(variances.reduce((a, b) => a + b, 0));
  const diff = now - logged;
  if (!(se > 0)) return { logged, now, low: diff, high: diff, p: diff === 0 ? 1 : 0, agrees: diff === 0 };
  // Welch–Satterthwaite: exactly the part's own df when there is one part.
  const df = se ** 4 / variances.reduce((sum, v, i) => sum + v ** 2 / parts[i]!.noise.df, 0);
  const half = tQuantile(1 - (1 - LEVEL) / 2, df) * se;
  return { logged, now, low: diff - half, high: diff + half, p: 2 * (1 - tCdf(Math.abs(diff) / se, df)), agrees: diff - half <= 0 && 0 <= diff + half };
}

/** `loggedDelta`: the delta the log holds for the change (null: none, e.g. a design point). */
export function agreement(logged: Measured, now: Measured, loggedDelta: number | null): Agreement {
  const own = { change: pooledSd([logged.runs, now.runs]), base: pooledSd([logged.base, now.base]) };
  // Single runs have no spread of their own: the other configuration's stands in.
  const noise = { change: own.change.df > 0 ? own.change : own.base, base: own.base.df > 0 ? own.base : own.change };
  const delta = now.runs.length > 0 && now.base.length > 0 ? mean(now.runs) - mean(now.base) : null;
  if (noise.change.df === 0 || now.runs.length === 0 || logged.runs.length === 0) return { verdict: 'undetermined', effect: null, level: null, noise, delta };
  const change = { noise: noise.change, sizes: [logged.runs.length, now.runs.length] };
  const level = check(mean(logged.runs), mean(now.runs), [change]);
  const effect =
    delta === null || loggedDelta === null || logged.base.length === 0
      ? null
      : check(loggedDelta, delta, [change, { noise: noise.base, sizes: [logged.base.length, now.base.length] }]);
  const verdict = effect === null ? (level.agrees ? 'agrees' : 'disagrees') : !effect.agrees ? 'disagrees' : level.agrees ? 'agrees' : 'shifted';
  return { verdict, effect, level, noise, delta };
}

const VERDICT_WORDS: Record<Agreement['verdict'], string> = {
  agrees: 'agrees with the log',
  shifted: 'the effect agrees with the log, the level moved',
  disagrees: 'does not agree with the log',
  undetermined: 'cannot tell',
};

const checkText = (name: string, c: Check, value: (x: number) => string): string =>
  `${name} ${value(c.now)} now vs ${value(c.logged)} logged (difference ${signed(c.now - c.logged)}, 95% interval ${signed(c.low)} to ${signed(c.high)}, p=${num(c.p, 2)})`;

/** The verdict as one sentence with its numbers, as the rerun's row stores it. */
export function agreementText(a: Agreement): string {
  if (a.verdict === 'undetermined') return `${VERDICT_WORDS.undetermined}: too few finished runs to estimate the noise`;
  const parts = [a.effect ? checkText('Δ', a.effect, signed) : null, a.level ? checkText('mean', a.level, num) : null].filter((x) => x !== null);
  const sd = (p: PooledSd) => `${num(p.sd)} (${p.df} df)`;
  return `${VERDICT_WORDS[a.verdict]}: ${parts.join('; ')}; noise SD ${sd(a.noise.change)} of the change, ${sd(a.noise.base)} of the base`;
}
