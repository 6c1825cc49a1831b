/**
 * Whether a re-measure agrees with the logged result (README, "Checking a result"). Two checks,
 * each a two-sided 95% t-interval on the pooled noise:
 *
 * - the effect: the new delta (the change's new runs minus its base's new runs) against the
 *   logged delta, SE = σ·√(1/n₀ + 1/b₀ + 1/n₁ + 1/b₁);
 * - the level: the change's new mean against its logged mean, SE = σ·√(1/n₀ + 1/n₁).
 *
 * σ is pooled over the four groups (the logged runs of the change and of its base, the new
 * runs of each), every group around its own mean. The new runs share seeds pairwise, but the
 * test is unpaired: exact with independent seeds and conservative where seeds correlate. The
 * logged delta may come from a paired test; its variance is then smaller than assumed, which
 * again errs towards "agrees" only where the noise says the runs cannot tell.
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
  noise: PooledSd;
  /** The new delta: the change's new mean minus its base's. */
  delta: number | null;
}

const LEVEL = 0.95;

function check(logged: number, now: number, weights: readonly number[], noise: PooledSd): Check {
  const se = noise.sd * Math.sqrt(weights.reduce((sum, n) => sum + 1 / n, 0));
  const diff = now - logged;
  const half = tQuantile(1 - (1 - LEVEL) / 2, noise.df) * se;
  const p = se > 0 ? 2 * (1 - tCdf(Math.abs(diff) / se, noise.df)) : diff === 0 ? 1 : 0;
  return { logged, now, low: diff - half, high: diff + half, p, agrees: diff - half <= 0 && 0 <= diff + half };
}

/** `loggedDelta`: the delta the log holds for the change (null: none, e.g. a design point). */
export function agreement(logged: Measured, now: Measured, loggedDelta: number | null): Agreement {
  const noise = pooledSd([logged.runs, logged.base, now.runs, now.base]);
  const delta = now.runs.length > 0 && now.base.length > 0 ? mean(now.runs) - mean(now.base) : null;
  if (noise.df === 0 || now.runs.length === 0 || logged.runs.length === 0) return { verdict: 'undetermined', effect: null, level: null, noise, delta };
  const level = check(mean(logged.runs), mean(now.runs), [logged.runs.length, now.runs.length], noise);
  const effect =
    delta === null || loggedDelta === null || logged.base.length === 0
      ? null
      : check(loggedDelta, delta, [logged.runs.length, logged.base.length, now.runs.length, now.base.length], noise);
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
  return `${VERDICT_WORDS[a.verdict]}: ${parts.join('; ')}; noise SD ${num(a.noise.sd)} (${a.noise.df} df)`;
}
