import type { AblationSpec } from '../proposers/types.ts';
import { estimateEffects, type AblationGroup, type Effects, type PairGroup } from '../stats/effects.ts';
import { confirmationsOf, measurementGroups } from '../loop/state.ts';
import type { ExperimentRow } from '../store/types.ts';

/**
 * The effect and interaction tables of a session, read from its rows. An effect is only
 * comparable with the baseline it was measured against, so ablations are grouped by the commit
 * they ran on: one family per commit, each with its own baseline runs.
 */
export interface EffectFamily {
  baseCommit: string;
  /** The candidate rows behind each ablation group and pair group, in the same order. */
  ablationRows: ExperimentRow[];
  pairRows: ExperimentRow[];
  result: Effects;
}

const specsOf = (row: ExperimentRow): AblationSpec[] => (row.spec_json ? (JSON.parse(row.spec_json) as AblationSpec[]) : []);
const specKey = (s: AblationSpec) => `${s.part}=${s.to}`;

/** The finished metric values of a candidate and its confirmations. */
export function candidateRuns(rows: readonly ExperimentRow[], candidate: ExperimentRow): number[] {
  return [candidate, ...confirmationsOf(rows, candidate.id)]
    .filter((e) => e.status === 'done' && e.metric !== null)
    .map((e) => e.metric!);
}

export function effectFamilies(rows: readonly ExperimentRow[], familyAlpha = 0.05): EffectFamily[] {
  const groups = measurementGroups(rows);
  const decided = (e: ExperimentRow) => e.decision === 'keep' || e.decision === 'revert';
  const families: EffectFamily[] = [];
  const commits = [...new Set(rows.filter((e) => e.kind === 'ablation').map((e) => e.base_commit))];
  for (const commit of commits) {
    const baseline = (groups.get(`commit ${commit}`) ?? []).map((m) => m.value);
    if (baseline.length === 0) continue;
    const ablationRows = rows.filter((e) => e.kind === 'ablation' && e.base_commit === commit && decided(e) && candidateRuns(rows, e).length > 0);
    const ablations: AblationGroup[] = ablationRows.map((e) => {
      const spec = specsOf(e)[0];
      return { component: spec?.part ?? e.description, change: spec ? `${spec.from} -> ${spec.to}` : e.description, runs: candidateRuns(rows, e) };
    });
    const index = new Map(ablationRows.map((e, i) => [specsOf(e).map(specKey).join(), i] as const));
    const pairRows: ExperimentRow[] = [];
    const pairs: PairGroup[] = [];
    for (const e of rows.filter((r) => r.kind === 'interaction' && r.base_commit === commit && decided(r))) {
      const [sa, sb] = specsOf(e);
      const a = sa && index.get(specKey(sa));
      const b = sb && index.get(specKey(sb));
      const runs = candidateRuns(rows, e);
      if (typeof a !== 'number' || typeof b !== 'number' || runs.length === 0) continue;
      pairRows.push(e);
      pairs.push({ a, b, runs });
    }
    if (ablations.length === 0) continue;
    families.push({ baseCommit: commit, ablationRows, pairRows, result: estimateEffects({ baseline, ablations, pairs }, { familyAlpha }) });
  }
  return families;
}
