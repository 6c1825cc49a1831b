import { parseNoiseReport } from '../decide/comparison.ts';
import { num } from '../format/numbers.ts';

/**
 * How a verdict measured its noise, in words: which test, over which groups, which groups were
 * set aside and why, and the seed correlation the log shows.
 */
export function noiseLines(json: string | null): string[] {
  const noise = parseNoiseReport(json);
  if (!noise) return [];
  const lines: string[] = [];
  const sigma = noise.sd === null ? 'no noise estimate' : `run-to-run SD ${num(noise.sd)} pooled over ${noise.groups} groups of repeated runs (${noise.df} df)`;
  if (noise.method === 'paired') {
    lines.push(
      `paired by seed on ${noise.shared} shared seed${noise.shared === 1 ? '' : 's'}: a same-seed difference varies with SD ${num(noise.pairedSd ?? NaN)} (${noise.pairedDf} df); ${sigma}`,
    );
  } else if (noise.method === 'welch') {
    lines.push(`Welch's test: the change's runs spread wider (SD ${num(noise.candidateSd ?? NaN)}) than the baseline's noise; ${sigma}`);
  } else {
    lines.push(`unpaired: candidate mean vs the whole baseline's mean; ${sigma}`);
  }
  if (noise.rho !== null) lines.push(`seed correlation across configurations ${noise.rho.toFixed(2)} (pairing pays above 0.5)`);
  for (const x of noise.excluded) lines.push(`set aside as unstable: ${x.label} (SD ${num(x.sd)} over ${x.n} runs, p=${num(x.p, 2)})`);
  return lines;
}
