import type { DecisionPolicy, Goal, KeepBar } from '../decide/types.ts';
import { mean } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';
import { decisionInput } from './decision-input.ts';
import { isHeadRun } from './kinds.ts';

/**
 * The keep bar for a change proposed now on `head`: the rule's own decide inputs (the noise
 * groups, the pairing, the runs it plans), built as for a candidate whose screening run has just
 * come in level with the baseline on its first seed. So the noise shown to a proposer is the
 * noise its change will be judged on, not the head runs' spread alone. Null where the rule cannot
 * say (it has no bar, or the baseline is not measured yet).
 */
export function keepBarNow(policy: DecisionPolicy, rows: readonly ExperimentRow[], head: string, goal: Goal): KeepBar | null {
  const last = rows.findLast((e) => isHeadRun(e) && e.base_commit === head);
  if (!policy.keepBar || !last) return null;
  // Never stored: an id no row has, on the GPU model the head ran on, changing nothing yet.
  const candidate: ExperimentRow = { ...last, id: -1, kind: 'llm', parent_id: null, spec_json: null, diff: '', min_runs: 1, decision: 'pending' };
  const input = decisionInput(rows, head, goal, candidate);
  const first = input.baseline[0];
  if (!first) return null;
  return policy.keepBar({ ...input, candidate: [{ seed: first.seed, value: mean(input.baseline.map((m) => m.value)) }] });
}
