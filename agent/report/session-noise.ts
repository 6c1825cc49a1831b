import { parseNoiseReport } from '../decide/comparison.ts';
import { isDecided } from '../session/kinds.ts';
import { pooledSd } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';

/** The session's noise as its verdicts measured it (docs/design.md, "The decision rule"). */
export interface SessionNoise {
  /** Run-to-run SD and df of the latest verdict's pool, or over every repeated configuration before any verdict. */
  sd: number | null;
  df: number;
  /** The seed correlation across configurations the latest verdict estimated; null before it could. */
  rho: number | null;
  /** How the verdicts compared: paired by seed, unpaired, or by Welch's test for an unstable change. */
  tests: { paired: number; pooled: number; welch: number };
  /** Groups of runs the latest verdict set aside as unstable. */
  set_aside: string[];
}

export function sessionNoise(rows: readonly ExperimentRow[], groups: readonly (readonly number[])[]): SessionNoise {
  const reports = rows.filter(isDecided).flatMap((e) => parseNoiseReport(e.noise_json) ?? []);
  const tests = { paired: 0, pooled: 0, welch: 0 };
  for (const r of reports) tests[r.method]++;
  const latest = reports.at(-1);
  if (!latest) {
    const all = pooledSd(groups);
    return { sd: all.df > 0 ? all.sd : null, df: all.df, rho: null, tests, set_aside: [] };
  }
  return { sd: latest.sd, df: latest.df, rho: latest.rho, tests, set_aside: latest.excluded.map((x) => x.label) };
}

/** One line: "SD 0.0049 (df 24), seed correlation 0.81; 12 verdicts paired by seed, 30 unpaired, 1 by Welch; set aside: #12 ablate x". */
export function sessionNoiseText(n: SessionNoise, num: (x: number) => string): string {
  if (n.sd === null) return 'no group has two runs yet';
  const parts = [`SD ${num(n.sd)} (df=${n.df})`];
  if (n.rho !== null) parts[0] += `, seed correlation ${n.rho.toFixed(2)}`;
  const { paired, pooled, welch } = n.tests;
  if (paired + pooled + welch > 0) parts.push(`verdicts: ${paired} paired by seed, ${pooled} unpaired, ${welch} by Welch's test`);
  if (n.set_aside.length > 0) parts.push(`set aside as unstable: ${n.set_aside.join(', ')}`);
  return parts.join('; ');
}
