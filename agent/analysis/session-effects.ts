import { describeDesign, fractionalFactorial } from '../design/fractional-factorial.ts';
import { effectInputs } from '../session/effect-inputs.ts';
import { factorialInputs } from '../session/factorial-inputs.ts';
import { estimateEffects, type Effects } from '../stats/effects.ts';
import { factorialEffects } from '../stats/factorial-effects.ts';
import type { ExperimentRow } from '../store/types.ts';

/** Which design measured a table: leave-one-out with pairs, or a fractional factorial (docs/design.md, "Designs"). */
export type DesignName = 'loco' | 'factorial';

/**
 * The effect and interaction tables of a session: one family per commit that ablations ran on
 * (agent/session/effect-inputs.ts reads which runs belong to which family), or that a factorial
 * design ran on (agent/session/factorial-inputs.ts), each labelled with its design.
 */
export interface EffectFamily {
  baseCommit: string;
  design: DesignName;
  /** The design in words, for the tables' headings. */
  label: string;
  /** The candidate rows behind each effect row and interaction row, in the same order. */
  ablationRows: ExperimentRow[];
  pairRows: ExperimentRow[];
  result: Effects;
}

export const LOCO_LABEL = 'leave one component out, pairs ablated together';

export function effectFamilies(rows: readonly ExperimentRow[], familyAlpha = 0.05): EffectFamily[] {
  const loco = effectInputs(rows).map(({ baseCommit, ablationRows, pairRows, input }) => ({
    baseCommit,
    design: 'loco' as const,
    label: LOCO_LABEL,
    ablationRows,
    pairRows,
    result: estimateEffects(input, { familyAlpha }),
  }));
  const factorial = factorialInputs(rows).flatMap((f): EffectFamily[] => {
    const result = factorialEffects(f.factors, f.runs, familyAlpha);
    const ablationRows = f.effectRows.filter((e) => e !== undefined);
    const pairRows = f.pairRows.filter((e) => e !== undefined);
    // Not estimable yet (too few points measured): no table rather than a misleading one.
    if (!result || ablationRows.length < f.effectRows.length || pairRows.length < f.pairRows.length) return [];
    const design = describeDesign(fractionalFactorial(f.factors.length));
    const label = `${design}; ${f.designRuns} design runs and ${f.baselineRuns} baseline runs analysed`;
    return [{ baseCommit: f.baseCommit, design: 'factorial', label, ablationRows, pairRows, result }];
  });
  return [...loco, ...factorial];
}
