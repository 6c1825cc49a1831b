/**
 * What `nightshift rerun ID` re-measures, read from the log: the change (a candidate; a
 * confirmation stands for its candidate), its session, and the result the log holds for it —
 * the change's finished runs and those of its base commit up to its verdict.
 */
import { UserError } from '../errors.ts';
import { candidateRuns, measured } from '../session/candidates.ts';
import { isCandidate, isHeadRun, isSuperseded } from '../session/kinds.ts';
import type { Db } from '../store/db.ts';
import { experimentById, highestExperimentId, seedsOfReruns } from '../store/experiment-reads.ts';
import { ExperimentStore } from '../store/experiments.ts';
import { sessionById } from '../store/session-reads.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { outsideGitDir, Workspace } from '../workspace/workspace.ts';
import type { Measured } from './agreement.ts';

export interface RerunTarget {
  candidate: ExperimentRow;
  session: SessionRow;
  logged: Measured;
  /** Every seed its session and earlier reruns of it used: the rerun's seeds are fresh ones. */
  usedSeeds: number[];
  /** Said before the runs when the id given was not the candidate's (a confirmation's). */
  note: string | null;
}

export function rerunTarget(db: Db, file: string, id: number): RerunTarget {
  const row = experimentById(db, id);
  if (!row) {
    const hi = highestExperimentId(db);
    throw new UserError(`no experiment ${id} in ${file}${hi === null ? ' (it has none yet)' : ` (experiments 1–${hi})`}`);
  }
  if (isHeadRun(row)) {
    throw new UserError(
      `experiment ${id} is a ${row.kind} run, a measurement of its commit, not a change; rerun re-measures a change and its base: give a candidate's id`,
    );
  }
  const candidate = row.kind === 'confirm' && row.parent_id !== null ? experimentById(db, row.parent_id)! : row;
  const note = candidate === row ? null : `#${id} is a confirmation run of #${candidate.id}: re-measuring #${candidate.id}`;
  const session = sessionById(db, candidate.session_id)!;
  const rows = new ExperimentStore(db).forSession(session.id);
  if (!isCandidate(candidate)) throw new UserError(`experiment ${candidate.id} is a ${candidate.kind} run, not a change`);
  const retry = rows.find((e) => e.retry_of === candidate.id);
  if (retry) {
    const what = isSuperseded(candidate) ? 'was superseded by a keep; #ID tested it again on the new baseline' : 'was interrupted; #ID ran it again';
    throw new UserError(`experiment ${candidate.id} ${what.replace('ID', String(retry.id))}: rerun ${retry.id}`);
  }
  const runs = candidateRuns(rows, candidate);
  const values = measured(runs);
  if (values.length === 0)
    throw new UserError(`experiment ${candidate.id} has no measured result to check (${candidate.status}${candidate.reason ? `: ${candidate.reason}` : ''})`);
  if (session.workspace === '' || !Workspace.hasRepository(session.workspace)) {
    throw new UserError(
      `the workspace repository of session ${session.id} (${outsideGitDir(session.workspace)}) is gone: rerun checks out #${candidate.id}'s base commit from it`,
    );
  }
  // The base as the verdict saw it: its runs up to the change's last one.
  const last = Math.max(...runs.map((e) => e.id));
  const base = measured(rows.filter((e) => isHeadRun(e) && e.base_commit === candidate.base_commit && e.id < last));
  // Earlier reruns' seeds too: each rerun is a new draw of the noise, not a repeat of the last.
  return { candidate, session, logged: { runs: values, base }, usedSeeds: [...rows.map((e) => e.seed), ...seedsOfReruns(db, candidate.id)], note };
}
