/**
 * How a candidate is compared with its baseline on real training noise: which runs set the noise,
 * and whether the comparison is paired by seed. The rule (stated here and in the README):
 *
 * - The run-to-run noise σ is pooled over the baseline and every other group of repeated runs
 *   whose spread agrees with the rest (stats/heterogeneity.ts sets the others aside). The
 *   candidate's own runs join the pool unless their spread is larger than the pool's (one-sided
 *   F-test at CANDIDATE_ALPHA); then the comparison is Welch's, with the candidate's own variance:
 *   an unstable change is judged by its own noise, not the baseline's.
 * - A seed fixes initialisation and data order, so runs with one seed are correlated across
 *   configurations. The variance of a same-seed difference, s_d², is pooled from every candidate's
 *   differences against its baseline on the seeds they share (each around its own mean, so the
 *   effects drop out), again setting unstable groups aside. The seed correlation follows as
 *   ρ = 1 − s_d² / 2σ², reported with every verdict.
 * - Two tests are possible: paired (the mean same-seed difference, SE = s_d/√k over the k shared
 *   seeds) and unpaired (candidate mean minus the mean of all m baseline runs, SE = σ√(1/n + 1/m),
 *   exact at ρ = 0 and conservative for ρ > 0). Paired has the smaller variance exactly when
 *   ρ > ½ (s_d² < σ²). It is chosen when the earlier candidates show that (a one-sided F-test of
 *   s_d²/σ² < 1 at PAIRING_ALPHA, with at least MIN_PAIRED_DF df), judged without the candidate's
 *   own runs: choosing by the same variance the test then divides by would pick the test whose
 *   estimate came out small by chance, and keep no-ops more often than alpha.
 */
import { z } from 'zod';
import { mean } from '../stats/descriptive.ts';
import { fCdf } from '../stats/f-dist.ts';
import { homogeneousNoise } from '../stats/heterogeneity.ts';
import { sumSquares, variance } from '../stats/descriptive.ts';
import { tQuantile } from '../stats/t-dist.ts';
import type { DecisionInput, Measurement } from './types.ts';

/** Family-wise level at which groups are set aside from the pooled noise. */
const GROUP_ALPHA = 0.01;
/** Level at which a candidate's own spread counts as larger than the pool's. */
const CANDIDATE_ALPHA = 0.01;
/** Evidence that pairing pays (ρ > ½) before a paired test is used, and the df it needs. */
const PAIRING_ALPHA = 0.05;
const MIN_PAIRED_DF = 4;

/** NoiseReport as read back from the log's noise_json (the shape it is written with). */
export const NoiseReportSchema = z.object({
  method: z.enum(['pooled', 'paired', 'welch']),
  sd: z.number().nullable(),
  df: z.number(),
  groups: z.number(),
  excluded: z.array(z.object({ label: z.string(), sd: z.number(), n: z.number(), p: z.number() })),
  candidateSd: z.number().nullable(),
  pairedSd: z.number().nullable(),
  pairedDf: z.number(),
  rho: z.number().nullable(),
  shared: z.number(),
});

/** A stored noise_json, or null where it is absent or unreadable. */
export function parseNoiseReport(json: string | null): NoiseReport | null {
  if (!json) return null;
  try {
    return NoiseReportSchema.safeParse(JSON.parse(json)).data ?? null;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return null;
  }
}

export interface NoiseReport {
  method: 'pooled' | 'paired' | 'welch';
  /** Run-to-run noise SD σ of the groups pooled; null while no group has two runs. */
  sd: number | null;
  df: number;
  /** Groups of repeated runs pooled into σ (the baseline included). */
  groups: number;
  /** Groups set aside because their spread differed: label, SD, runs, and the test's p. */
  excluded: { label: string; sd: number; n: number; p: number }[];
  /** The candidate's own SD where Welch's test was used. */
  candidateSd: number | null;
  /** SD of a same-seed difference (s_d), its df and how many candidates it came from. */
  pairedSd: number | null;
  pairedDf: number;
  /** Seed correlation across configurations, 1 − s_d²/2σ²; null without both estimates. */
  rho: number | null;
  /** Candidate runs on a seed the baseline also ran. */
  shared: number;
}

export interface Comparison {
  /** Candidate minus baseline, in the metric's units (paired: the mean same-seed difference). */
  delta: number;
  se: number;
  df: number;
  noise: NoiseReport;
}

/** The critical difference of a one-sided test at alpha: what an improvement must exceed. */
export const critical = (se: number, df: number, alpha: number): number => (df > 0 ? tQuantile(1 - alpha, df) * se : Infinity);

/** Same-seed differences of a candidate against its baseline (the baseline's runs on one seed averaged). */
export function sameSeedDifferences(baseline: readonly Measurement[], candidate: readonly Measurement[]): number[] {
  const bySeed = new Map<number, number[]>();
  for (const m of baseline) bySeed.set(m.seed, [...(bySeed.get(m.seed) ?? []), m.value]);
  return candidate.flatMap((m) => {
    const b = bySeed.get(m.seed);
    return b ? [m.value - mean(b)] : [];
  });
}

export function compare(input: DecisionInput): Comparison {
  const baseline = input.baseline.map((m) => m.value);
  const candidate = input.candidate.map((m) => m.value);
  const others = input.noiseGroups.map((g) => g.map((m) => m.value));
  const labels = input.noiseLabels ?? others.map((_, i) => `group ${i + 1}`);
  const pool = homogeneousNoise([baseline, ...others], { alpha: GROUP_ALPHA, fixed: [0] });
  const excluded = pool.excluded.map((x) => ({
    label: labels[x.index - 1] ?? `group ${x.index}`,
    sd: Math.sqrt(variance(others[x.index - 1]!)),
    n: others[x.index - 1]!.length,
    p: x.p,
  }));
  let { sd, df } = pool.noise;
  let groups = pool.kept.length;

  // The candidate's own spread: wider than the pool's, it is judged by it (Welch); else it joins.
  const n = candidate.length;
  const m = baseline.length;
  let unstable = false;
  if (n >= 2 && df > 0) {
    const ratio = variance(candidate) / (sd * sd);
    unstable = 1 - fCdf(ratio, n - 1, df) < CANDIDATE_ALPHA;
    if (!unstable) {
      const ss = sd * sd * df + sumSquares(candidate);
      df += n - 1;
      sd = Math.sqrt(ss / df);
      groups++;
    }
  }

  const own = sameSeedDifferences(input.baseline, input.candidate);
  const earlier = homogeneousNoise(input.pairedGroups ?? [], { alpha: GROUP_ALPHA }).noise;
  const pairingPays =
    earlier.df >= MIN_PAIRED_DF &&
    pool.noise.df > 0 &&
    fCdf((earlier.sd * earlier.sd) / (pool.noise.sd * pool.noise.sd), earlier.df, pool.noise.df) < PAIRING_ALPHA;
  const paired = homogeneousNoise([own, ...(input.pairedGroups ?? [])], { alpha: GROUP_ALPHA });
  const pairedSd = paired.noise.df > 0 ? paired.noise.sd : null;
  const sigma = df > 0 ? sd : null;
  const rho = sigma !== null && pairedSd !== null && sigma > 0 ? 1 - (pairedSd * pairedSd) / (2 * sigma * sigma) : null;
  const report: NoiseReport = {
    method: 'pooled',
    sd: sigma,
    df,
    groups,
    excluded,
    candidateSd: null,
    pairedSd,
    pairedDf: paired.noise.df,
    rho,
    shared: own.length,
  };
  const delta = mean(candidate) - mean(baseline);

  if (unstable) {
    // Welch–Satterthwaite with the pooled σ standing for the baseline's variance (df as pooled).
    const a = (sd * sd) / m;
    const b = variance(candidate) / n;
    const welchDf = (a + b) ** 2 / ((a * a) / df + (b * b) / (n - 1));
    return { delta, se: Math.sqrt(a + b), df: welchDf, noise: { ...report, method: 'welch', candidateSd: Math.sqrt(variance(candidate)) } };
  }
  const unpaired = { delta, se: sigma === null ? NaN : sigma * Math.sqrt(1 / n + 1 / m), df };
  if (pairingPays && pairedSd !== null && own.length > 0) {
    return { delta: mean(own), se: pairedSd / Math.sqrt(own.length), df: paired.noise.df, noise: { ...report, method: 'paired' } };
  }
  return { ...unpaired, noise: report };
}
