/**
 * `nightshift compare A B …`: what each experiment was, how it was decided, what its runs
 * measured and what its training reported, read from the log. compare-text.ts says it and
 * compare-diff.ts sets the diffs side by side.
 */
import { UserError } from '../errors.ts';
import { finalFields, finalNumber, peakMemoryMb } from '../runner/final-fields.ts';
import { measured } from '../session/candidates.ts';
import { deltasOf, type CandidateDeltas } from '../session/kept-deltas.ts';
import { isHeadRun } from '../session/kinds.ts';
import { mean, sd } from '../stats/descriptive.ts';
import type { Db } from '../store/db.ts';
import { experimentById, highestExperimentId, runsOfCandidate, runsOfCommit } from '../store/experiment-reads.ts';
import { stepSeries, type StepSeries } from '../store/metric-reads.ts';
import { sessionById } from '../store/session-reads.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { isFailedRun } from '../store/types.ts';

export interface ComparedExperiment {
  row: ExperimentRow;
  session: SessionRow;
  /** The row whose verdict this one shares: itself, a confirmation's parent, or null for a baseline/control run. */
  candidate: ExperimentRow | null;
  /** Every run of the same configuration (a candidate and its confirmations, or a commit's baseline/control runs). */
  runs: ExperimentRow[];
  /** The metric over `runs` that finished with one. */
  metric: { mean: number | null; sd: number | null; n: number; failed: number };
  /** Facts from the row's final line: steps, tokens_per_s, params, peak memory in GB; null where absent. */
  facts: { steps: number | null; tokens_per_s: number | null; params: number | null; memory_gb: number | null };
  /** A candidate's Δ at decision and, once its kept commit was measured afresh, Δ re-measured (session/kept-deltas.ts). */
  deltas: CandidateDeltas | null;
  series: StepSeries[];
}

export interface Comparison {
  experiments: ComparedExperiment[];
  /** The step metric every curve shows: one all of them logged, the training loss when they have it; null when they share none. */
  stepMetric: string | null;
}

/** The experiments, in the order given; an unknown id is one line naming it. */
export function comparison(db: Db, ids: readonly number[]): Comparison {
  const experiments = ids.map((id) => compared(db, id));
  return { experiments, stepMetric: sharedStepMetric(experiments) };
}

function compared(db: Db, id: number): ComparedExperiment {
  const row = experimentById(db, id);
  if (!row) {
    const max = highestExperimentId(db);
    throw new UserError(`no experiment ${id} in the log${max === null ? ' (it has none yet)' : ` (ids go up to ${max})`}`);
  }
  const session = sessionById(db, row.session_id)!;
  const candidate = isHeadRun(row) ? null : row.kind === 'confirm' ? (row.parent_id === null ? null : (experimentById(db, row.parent_id) ?? null)) : row;
  const runs = candidate ? runsOfCandidate(db, candidate.id) : runsOfCommit(db, row.session_id, row.base_commit);
  const values = measured(runs);
  const fields = finalFields(row.final_json);
  // The stored column where the log has it (v8), else the final line's facts by the same names.
  const mb = row.peak_mem_mb ?? peakMemoryMb(fields);
  return {
    row,
    session,
    candidate,
    runs,
    metric: {
      mean: values.length > 0 ? mean(values) : null,
      sd: values.length > 1 ? sd(values) : null,
      n: values.length,
      failed: runs.filter((r) => isFailedRun(r.status)).length,
    },
    facts: {
      steps: finalNumber(fields, 'steps'),
      tokens_per_s: finalNumber(fields, 'tokens_per_s'),
      params: finalNumber(fields, 'params'),
      memory_gb: mb === null ? null : mb / 1024,
    },
    deltas: candidate && deltasOf([...runs, ...headRuns(db, candidate)], candidate),
    series: stepSeries(db, id),
  };
}

/** The baseline/control runs deltasOf compares a candidate with: its base commit's, and its own commit's once kept. */
function headRuns(db: Db, candidate: ExperimentRow): ExperimentRow[] {
  const commits = [candidate.base_commit, ...(candidate.commit_sha ? [candidate.commit_sha] : [])];
  return commits.flatMap((commit) => runsOfCommit(db, candidate.session_id, commit));
}

// The training loss says most about how a change trained; the session's metric, when logged per step, next.
const PREFERRED = ['train_loss', 'loss'];

function sharedStepMetric(experiments: readonly ComparedExperiment[]): string | null {
  const [first, ...rest] = experiments.map((e) => new Set(e.series.map((s) => s.name)));
  if (!first) return null;
  const shared = [...first].filter((name) => rest.every((names) => names.has(name))).sort();
  const metric = experiments[0]!.session.metric;
  return PREFERRED.find((n) => shared.includes(n)) ?? (shared.includes(metric) ? metric : (shared[0] ?? null));
}
