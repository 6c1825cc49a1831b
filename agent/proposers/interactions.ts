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

/**
 * Phase 2 of the planner: pairwise interaction runs among the `top` components with the
 * largest measured effect, each at its strongest ablation. Δ(a,b) − Δ(a) − Δ(b) is only sound
 * when all three are measured against one baseline, so when a keep has moved the baseline since
 * a component's ablation was measured, that ablation is measured again on the current commit
 * before any pair that needs it.
 */
export function nextInteractionStep(
  history: readonly ExperimentRow[],
  head: string,
  markers: Marker[],
  top: number,
  tried: Set<string>,
): InteractionStep | undefined {
  const families = effectFamilies(history);
  // The latest estimate of each component's strongest ablation, over every commit measured.
  const strongest = new Map<string, { spec: AblationSpec; size: number }>();
  for (const family of families) {
    family.ablationRows.forEach((row, i) => {
      const spec = specsOf(row)[0]!;
      strongest.set(`${spec.part} ${spec.to}`, { spec, size: Math.abs(family.result.effects[i]!.delta) });
    });
  }
  const best = new Map<string, { spec: AblationSpec; size: number }>();
  for (const entry of strongest.values()) {
    if (entry.size > (best.get(entry.spec.part)?.size ?? -1)) best.set(entry.spec.part, entry);
  }
  const edits: AblationEdit[] = [];
  for (const { spec } of [...best.values()].sort((x, y) => y.size - x.size)) {
    const marker = markers.find((m) => m.marker === 'ablate' && m.name === spec.part);
    // A component already ablated at this commit (a kept ablation) has nothing left to pair.
    if (!marker || showValue(marker.value) === spec.to) continue;
    edits.push({ marker, value: parseLiteral(spec.to)!, spec: { ...spec, from: showValue(marker.value) } });
    if (edits.length === top) break;
  }
  if (edits.length < 2) return undefined;

  const here = families.find((f) => f.baseCommit === head);
  const measuredHere = new Set(here?.ablationRows.map((row) => specKey(specsOf(row)[0]!)) ?? []);
  for (const edit of edits) {
    const key = specKey(edit.spec);
    const changeKey = `ablate ${key} @${head.slice(0, 12)}`;
    if (!measuredHere.has(key) && !tried.has(changeKey)) return { type: 'remeasure', changeKey, edit };
  }
  for (let i = 0; i < edits.length; i++) {
    for (let j = i + 1; j < edits.length; j++) {
      const pair: [AblationEdit, AblationEdit] = [edits[i]!, edits[j]!];
      if (!pair.every((e) => measuredHere.has(specKey(e.spec)))) continue;
      const changeKey = `interact ${pair
        .map((e) => specKey(e.spec))
        .sort()
        .join(' ')} @${head.slice(0, 12)}`;
      if (!tried.has(changeKey)) return { type: 'pair', changeKey, edits: pair };
    }
  }
  return undefined;
}
