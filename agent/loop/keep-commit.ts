import type { ExperimentRow } from '../store/types.ts';
import type { Workspace } from '../workspace/workspace.ts';

/**
 * The commit a kept candidate becomes: its diff on the head it was measured on, dated by the
 * candidate's creation. A function of the row alone, so the parallel loop can make it before the
 * verdict to measure a probable keep early (agent/schedule/replay.ts) and the keep lands on the
 * very commit those runs measured.
 */
export function keepCommit(workspace: Workspace, candidate: ExperimentRow): Promise<string> {
  return workspace.commitChange(candidate.base_commit, candidate.diff, `experiment ${candidate.id}: ${candidate.description}`, candidate.created_at);
}
