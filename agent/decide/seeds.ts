/**
 * Seed choice shared by the policies. Confirmation runs reuse the baseline's seeds where they
 * can, so a candidate and its baseline see the same seeds: any seed-to-seed luck both share
 * then cancels in the difference of means, and the unpaired test stays valid (conservative).
 */
import type { Measurement } from './types.ts';

/** Seeds 1..count: small, readable, and the same in every session. */
export function baselineSeeds(count: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`baseline seed count must be a whole number, got ${count}`);
  return Array.from({ length: count }, (_, i) => i + 1);
}

/**
 * The screening run pairs with a baseline run, in turn: the k-th candidate on a baseline screens
 * on its (k mod m)-th seed. Why not always the first: with correlated seeds every candidate
 * screened on seed 1 would carry seed 1's luck alike, so the errors of a session would come in
 * clusters; rotating spreads that luck over the baseline's seeds.
 */
export function screenSeed(baseline: readonly Measurement[], index = 0): number {
  if (baseline.length === 0) return 1;
  return baseline[index % baseline.length]!.seed;
}

/** The first baseline seed the candidate has not run with, else one no run of either has used. */
export function nextSeed(baseline: readonly Measurement[], candidate: readonly Measurement[]): number {
  const used = new Set(candidate.map((m) => m.seed));
  const unused = baseline.find((m) => !used.has(m.seed));
  if (unused) return unused.seed;
  return freshSeed([...baseline, ...candidate]);
}

/**
 * A seed none of these runs has used. Control runs of the baseline want one too: a repeated
 * seed repeats (nearly) the same value, which adds nothing to the mean and fakes a smaller noise.
 */
export function freshSeed(runs: readonly Pick<Measurement, 'seed'>[]): number {
  return Math.max(0, ...runs.map((m) => m.seed)) + 1;
}
