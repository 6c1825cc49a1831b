/**
 * The planner's `--design factorial` phase: the points of a two-level fractional factorial over
 * the `@ablate` components, proposed one at a time, as a function of the log alone (a resumed
 * session goes on with the next point not yet tried).
 */
import type { Marker } from '../knobs/markers.ts';
import { fractionalFactorial, type FactorialDesign } from '../design/fractional-factorial.ts';
import { headMeasurements } from '../session/baseline.ts';
import { specKey } from '../session/effect-inputs.ts';
import { modelColumns } from '../stats/factorial-model.ts';
import type { ExperimentRow } from '../store/types.ts';
import { ablationSpec, removes } from './ablation-spec.ts';
import type { AblationEdit } from './interactions.ts';

/** The value of experiments.design on a factorial design point. */
export const FACTORIAL = 'factorial';

/**
 * Residual df the analysis needs before the design stops: with fewer, the Bonferroni t quantile
 * (e.g. t(0.9975, 4) = 6.0 against 2.8 with unlimited df) makes the intervals too wide to say
 * anything. A resolution V design with its all-zero point on the baseline is nearly saturated
 * (16 points for 16 coefficients at k = 5), so its noise comes from the baseline's runs and from
 * a second pass over the points on new seeds; a pass once begun is finished, so the design stays
 * balanced.
 */
export const MIN_RESIDUAL_DF = 10;

export interface FactorialPoint {
  changeKey: string;
  /** The components this point ablates, each at its factor's level. */
  edits: AblationEdit[];
  /** 1-based among the design's points other than the all-zero one (the baseline's). */
  index: number;
  of: number;
  pass: number;
  design: FactorialDesign;
}

/** One factor per `@ablate` component: its removing alternative where it has one (false, 0, 'none'), else its first. */
export function factorialFactors(markers: readonly Marker[]): AblationEdit[] {
  return markers
    .filter((m) => m.marker === 'ablate')
    .flatMap((marker) => {
      const options = marker.alternatives.filter((v) => v !== marker.value);
      const value = options.find(removes) ?? options[0];
      return value === undefined ? [] : [{ marker, value, spec: ablationSpec(marker, value) }];
    });
}

/** Passes over the design's points so the analysis has MIN_RESIDUAL_DF, given the baseline's runs. */
export function passesNeeded(design: Pick<FactorialDesign, 'k' | 'runs'>, baselineRuns: number): number {
  const columns = modelColumns(design.k).length;
  let passes = 1;
  while (passes * (design.runs - 1) + baselineRuns - columns < MIN_RESIDUAL_DF) passes++;
  return passes;
}

/** The next design point to run on `head`, or undefined when the design is done (or ran on an earlier commit). */
export function nextFactorialPoint(
  history: readonly ExperimentRow[],
  markers: readonly Marker[],
  head: string,
  tried: Set<string>,
): FactorialPoint | undefined {
  const factors = factorialFactors(markers);
  if (factors.length === 0) return undefined;
  const started = history.find((e) => e.design === FACTORIAL);
  if (started && started.base_commit !== head) return undefined;
  const design = fractionalFactorial(factors.length);
  const needed = passesNeeded(design, headMeasurements(history, head).length);
  for (let pass = 1; ; pass++) {
    for (let i = 1; i < design.runs; i++) {
      const edits = factors.filter((_, f) => design.points[i]![f] === 1);
      const changeKey = `factorial pass ${pass} point ${i}: ${edits.map((e) => specKey(e.spec)).join(' ')}`;
      if (tried.has(changeKey)) continue;
      if (i === 1 && pass > needed) return undefined;
      return { changeKey, edits, index: i, of: design.runs - 1, pass, design };
    }
  }
}
