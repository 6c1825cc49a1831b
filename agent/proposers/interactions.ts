import { effectFamilies } from '../analysis/session-effects.ts';
import { specKey, specsOf } from '../session/effect-inputs.ts';
import type { AblationSpec, ExperimentRow } from '../store/types.ts';
import { parseLiteral, showValue, type KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';

export interface AblationEdit {
  marker: Marker;
  value: KnobValue;
  spec: AblationSpec;
}

/** Phase 2's next step: re-measure one component's ablation on this commit, or test a pair. */
export type InteractionStep =
  | { type: 'remeasure'; changeKey: string; edit: AblationEdit }
  | { type: 'pair'; changeKey: string; edits: [AblationEdit, AblationEdit] };

export interface InteractionOptions {
  /** Pairs among this many components with the largest effects. */
  top: number;
  /** Pairs among this many components with the smallest effects, none significant: redundancy candidates. */
  redundancyTop: number;
}

/**
 * Phase 2 of the planner: pairwise interaction runs among the `top` components with the
 * largest measured effect, each at its strongest ablation, and among the `redundancyTop` with
 * the smallest effects that are not significant. Leave-one-out hides redundancy: two parts that
 * each cover for the other look dispensable one at a time, and only removing both shows the
 * cost, so the weak components get pairs too. Δ(a,b) − Δ(a) − Δ(b) is only sound when all
 * three are measured against one baseline, so when a keep has moved the baseline since a
 * component's ablation was measured, that ablation is measured again on the current commit
 * before any pair that needs it.
 */
export function nextInteractionStep(
  history: readonly ExperimentRow[],
  head: string,
  markers: Marker[],
  options: InteractionOptions,
  tried: Set<string>,
): InteractionStep | undefined {
  // Leave-one-out families only: a factorial design has measured its pairs already.
  const families = effectFamilies(history).filter((f) => f.design === 'loco');
  // The latest estimate of each component's strongest ablation, over every commit measured.
  const strongest = new Map<string, Estimate>();
  for (const family of families) {
    family.ablationRows.forEach((row, i) => {
      const spec = specsOf(row)[0]!;
      const effect = family.result.effects[i]!;
      strongest.set(`${spec.part} ${spec.to}`, { spec, size: Math.abs(effect.delta), significant: effect.significant });
    });
  }
  const best = new Map<string, Estimate>();
  for (const entry of strongest.values()) {
    if (entry.size > (best.get(entry.spec.part)?.size ?? -1)) best.set(entry.spec.part, entry);
  }
  // Only components still in place at this commit (not removed by a kept ablation) can be paired.
  const pairable = [...best.values()].sort((x, y) => y.size - x.size).flatMap((e) => editAt(markers, e.spec));
  const strong = pairable.slice(0, options.top);
  const weak = pairable
    .filter((e) => !strong.includes(e) && !best.get(e.spec.part)!.significant)
    .reverse()
    .slice(0, options.redundancyTop);

  const here = families.find((f) => f.baseCommit === head);
  const measuredHere = new Set(here?.ablationRows.map((row) => specKey(specsOf(row)[0]!)) ?? []);
  for (const group of [strong, weak].filter((g) => g.length >= 2)) {
    for (const edit of group) {
      const key = specKey(edit.spec);
      const changeKey = `ablate ${key} @${head.slice(0, 12)}`;
      if (!measuredHere.has(key) && !tried.has(changeKey)) return { type: 'remeasure', changeKey, edit };
    }
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const pair: [AblationEdit, AblationEdit] = [group[i]!, group[j]!];
        if (!pair.every((e) => measuredHere.has(specKey(e.spec)))) continue;
        const changeKey = `interact ${pair
          .map((e) => specKey(e.spec))
          .sort()
          .join(' ')} @${head.slice(0, 12)}`;
        if (!tried.has(changeKey)) return { type: 'pair', changeKey, edits: pair };
      }
    }
  }
  return undefined;
}

interface Estimate {
  spec: AblationSpec;
  size: number;
  significant: boolean;
}

/** The edit that ablates `spec` on this commit; none when its marker is gone or already at that value. */
function editAt(markers: Marker[], spec: AblationSpec): AblationEdit[] {
  const marker = markers.find((m) => m.marker === 'ablate' && m.name === spec.part);
  if (!marker || showValue(marker.value) === spec.to) return [];
  return [{ marker, value: parseLiteral(spec.to)!, spec: { ...spec, from: showValue(marker.value) } }];
}
