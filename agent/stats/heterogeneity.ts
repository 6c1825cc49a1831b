/**
 * Which groups of repeated runs share one noise level. Real training does not: an ablation that
 * makes training unstable spreads its runs many times wider than the baseline's, and pooling it
 * in would inflate the noise every later decision is measured against.
 *
 * Method: an iterative leave-one-out F-test. Each group's variance is compared with the pooled
 * variance of all the other groups still in (two-sided: a group that spreads far too little, such
 * as a repeated seed, fakes a small noise just as a wide one fakes a large one). The most extreme
 * group is set aside if its p-value, Bonferroni-corrected over the groups tested, is below alpha;
 * then the rest are tested again, until none is. Why exclusion and not weighting: the decision
 * needs the noise of *this* baseline and candidate; a group with a different noise level says
 * nothing about it, so down-weighting would still let it leak in. Groups named `fixed` (the
 * current baseline) are the reference and always stay.
 */
import { pooledSd, sumSquares, type PooledSd } from './descriptive.ts';
import { varianceRatioP } from './f-dist.ts';

export interface SetAside {
  /** Index of the group in the input. */
  index: number;
  /** Its variance over the pooled variance of the groups kept. */
  ratio: number;
  /** Bonferroni-corrected two-sided p-value of that ratio when it was set aside. */
  p: number;
}

export interface HomogeneousNoise {
  noise: PooledSd;
  /** Indices of the groups pooled (groups of one run never are: they carry no spread). */
  kept: number[];
  excluded: SetAside[];
}

export function homogeneousNoise(groups: readonly (readonly number[])[], options: { alpha: number; fixed?: readonly number[] }): HomogeneousNoise {
  const fixed = new Set(options.fixed ?? []);
  const spread = groups.map((g) => (g.length < 2 ? null : { ss: sumSquares(g), df: g.length - 1 }));
  const kept = new Set(groups.flatMap((_, i) => (spread[i] ? [i] : [])));
  const excluded: SetAside[] = [];
  for (;;) {
    let ss = 0;
    let df = 0;
    for (const i of kept) {
      ss += spread[i]!.ss;
      df += spread[i]!.df;
    }
    const tested = [...kept].filter((i) => !fixed.has(i));
    let worst: SetAside | null = null;
    for (const i of tested) {
      const own = spread[i]!;
      const restDf = df - own.df;
      const restVar = (ss - own.ss) / restDf;
      // Without other spread to compare with there is no test.
      if (restDf === 0 || !(restVar > 0)) continue;
      const ratio = own.ss / own.df / restVar;
      const p = Math.min(1, varianceRatioP(ratio, own.df, restDf) * tested.length);
      if (worst === null || p < worst.p) worst = { index: i, ratio, p };
    }
    if (worst === null || worst.p >= options.alpha) break;
    kept.delete(worst.index);
    excluded.push(worst);
  }
  const order = [...kept].sort((a, b) => a - b);
  return { noise: pooledSd(order.map((i) => groups[i]!)), kept: order, excluded };
}
