/** The wording of verdict reasons: each delta with the noise scale beside it. */
import { proseNum, proseSigned, proseSignedFixed } from '../format/numbers.ts';
import type { NoiseReport } from './comparison.ts';

/** "Δ −0.041 (−2.3 SD of noise 0.018)", or what stands in for the noise when there is none. */
export function deltaClause(delta: number, sd: number | null): string {
  if (sd === null) return `Δ ${proseSigned(delta)} (no noise estimate yet)`;
  if (sd === 0) return `Δ ${proseSigned(delta)} (noise SD 0: the runs do not vary)`;
  return `Δ ${proseSigned(delta)} (${proseSignedFixed(delta / sd)} SD of noise ${proseNum(sd)})`;
}

export function pValue(p: number | null): string {
  if (p === null) return 'no test';
  if (p < 0.001) return 'p<0.001';
  return `p=${p < 0.1 ? p.toFixed(3) : p.toFixed(2)}`;
}

export function runs(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

/**
 * How the comparison was made, where it is not the plain pooled one: "; paired on 3 seeds (seed
 * correlation 0.81)", "; Welch: the change's own SD 0.052", and the groups set aside.
 */
export function noiseClause(noise: NoiseReport): string {
  const parts: string[] = [];
  if (noise.method === 'paired') {
    parts.push(
      `paired on ${noise.shared === 1 ? 'its seed' : `${noise.shared} seeds`}${noise.rho === null ? '' : ` (seed correlation ${noise.rho.toFixed(2)})`}`,
    );
  }
  if (noise.method === 'welch' && noise.candidateSd !== null) parts.push(`Welch: the change's runs spread wider (SD ${proseNum(noise.candidateSd)})`);
  const aside = noise.excluded.length;
  if (aside > 0) parts.push(`${aside} unstable group${aside === 1 ? '' : 's'} kept out of the noise`);
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}
