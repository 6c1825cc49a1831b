import { UserError } from '../errors.ts';
import { deltasOf, type CandidateDeltas } from '../session/kept-deltas.ts';
import type { Db } from '../store/db.ts';
import { experimentById, highestExperimentId, runsOfCandidate, runsOfCommit } from '../store/experiment-reads.ts';
import { stepSeries, type StepSeries } from '../store/metric-reads.ts';
import { sessionById } from '../store/session-reads.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';

/** Everything `nightshift show` tells about one experiment. */
export interface ExperimentDetail {
  experiment: ExperimentRow;
  session: SessionRow;
  /** The candidate whose verdict this row shares: itself, or the parent of a confirmation run. */
  candidate: ExperimentRow | null;
  /** Every run of the same configuration: a candidate with its confirmations, or the baseline/control runs of a commit. */
  runs: ExperimentRow[];
  series: StepSeries[];
  /** A candidate's two labelled deltas (agent/session/kept-deltas.ts); null for baseline and control runs. */
  deltas: CandidateDeltas | null;
}

export function experimentDetail(db: Db, id: number): ExperimentDetail {
  const experiment = experimentById(db, id);
  if (!experiment) {
    const max = highestExperimentId(db);
    throw new UserError(`no experiment ${id} in the log${max === null ? ' (it has none yet)' : ` (ids go up to ${max})`}`);
  }
  const session = sessionById(db, experiment.session_id)!;
  const candidate =
    experiment.kind === 'confirm'
      ? experiment.parent_id === null
        ? null
        : (experimentById(db, experiment.parent_id) ?? null)
      : experiment.kind === 'baseline' || experiment.kind === 'control'
        ? null
        : experiment;
  const runs = candidate ? runsOfCandidate(db, candidate.id) : runsOfCommit(db, experiment.session_id, experiment.base_commit);
  const deltas = candidate
    ? deltasOf(
        [
          ...runsOfCommit(db, experiment.session_id, candidate.base_commit),
          ...(candidate.commit_sha ? runsOfCommit(db, experiment.session_id, candidate.commit_sha) : []),
          ...runs,
        ],
        candidate,
      )
    : null;
  return { experiment, session, candidate, runs, series: stepSeries(db, id), deltas };
}
