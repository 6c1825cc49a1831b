import { effectInputs } from '../session/effect-inputs.ts';
import { estimateEffects, type Effects } from '../stats/effects.ts';
import type { ExperimentRow } from '../store/types.ts';

/**
 * The effect and interaction tables of a session: one family per commit that ablations ran on
 * (agent/session/effect-inputs.ts reads which runs belong to which family).
 */
export interface EffectFamily {
  baseCommit: string;
  /** The candidate rows behind each ablation group and pair group, in the same order. */
  ablationRows: ExperimentRow[];
  pairRows: ExperimentRow[];
  result: Effects;
}

export function effectFamilies(rows: readonly ExperimentRow[], familyAlpha = 0.05): EffectFamily[] {
  return effectInputs(rows).map(({ baseCommit, ablationRows, pairRows, input }) => ({
    baseCommit,
    ablationRows,
    pairRows,
    result: estimateEffects(input, { familyAlpha }),
  }));
}
