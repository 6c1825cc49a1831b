import type { AblationGroup, EffectsInput, PairGroup } from '../stats/effects.ts';
import type { AblationSpec, ExperimentRow } from '../store/types.ts';
import { candidateRunIndex, measured } from './candidates.ts';
import { commitKey, runGroups } from './groups.ts';
import { isDecided } from './kinds.ts';

/**
 * The runs behind a session's effect and interaction tables. An effect is only comparable with
 * the baseline it was measured against, so ablations are grouped by the commit they ran on: one
 * family per commit, each with its own baseline runs.
 */
export interface EffectFamilyInput {
  baseCommit: string;
  /** The candidate rows behind each ablation group and pair group, in the same order. */
  ablationRows: ExperimentRow[];
  pairRows: ExperimentRow[];
  input: EffectsInput;
}

/** The ablation specs a planner candidate recorded (one for an ablation, two for a pair). */
export const specsOf = (row: Pick<ExperimentRow, 'spec_json'>): AblationSpec[] => (row.spec_json ? (JSON.parse(row.spec_json) as AblationSpec[]) : []);
export const specKey = (s: AblationSpec): string => `${s.part}=${s.to}`;
/** Not a point of a designed experiment: a design's points are analysed together (agent/session/factorial-inputs.ts), never one at a time. */
const isOneAtATime = (e: ExperimentRow): boolean => e.design === null;

export function effectInputs(rows: readonly ExperimentRow[]): EffectFamilyInput[] {
  const groups = runGroups(rows);
  const runsOf = candidateRunIndex(rows);
  const values = (candidate: ExperimentRow) => measured(runsOf(candidate));
  const families: EffectFamilyInput[] = [];
  const commits = [...new Set(rows.filter((e) => e.kind === 'ablation').map((e) => e.base_commit))];
  for (const commit of commits) {
    const baseline = measured(groups.get(commitKey(commit)) ?? []);
    if (baseline.length === 0) continue;
    const ablationRows = rows.filter((e) => e.kind === 'ablation' && isOneAtATime(e) && e.base_commit === commit && isDecided(e) && values(e).length > 0);
    const ablations: AblationGroup[] = ablationRows.map((e) => {
      const spec = specsOf(e)[0];
      return { component: spec?.part ?? e.description, change: spec ? `${spec.from} -> ${spec.to}` : e.description, runs: values(e) };
    });
    const index = new Map(ablationRows.map((e, i) => [specsOf(e).map(specKey).join(), i] as const));
    const pairRows: ExperimentRow[] = [];
    const pairs: PairGroup[] = [];
    for (const e of rows.filter((r) => r.kind === 'interaction' && isOneAtATime(r) && r.base_commit === commit && isDecided(r))) {
      const [sa, sb] = specsOf(e);
      const a = sa && index.get(specKey(sa));
      const b = sb && index.get(specKey(sb));
      const runs = values(e);
      if (typeof a !== 'number' || typeof b !== 'number' || runs.length === 0) continue;
      pairRows.push(e);
      pairs.push({ a, b, runs });
    }
    if (ablations.length === 0) continue;
    families.push({ baseCommit: commit, ablationRows, pairRows, input: { baseline, ablations, pairs } });
  }
  return families;
}
