/**
 * A run's state from what Slurm says of its job and what its run folder holds. The folder wins:
 * a result.json means the command ended, whatever squeue shows; a job Slurm ended (or forgot)
 * without one vanished, and the agent re-runs it with its seed.
 */
import { RESULT_FILE } from './run-folder.ts';
import type { QueueRow } from './slurm-cli.ts';
import type { RunResult, RunStatus } from './types.ts';

/** Job states in which the job still holds (or is about to hold) its node. */
const ACTIVE = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT', 'RESIZING']);
/** Job states in which it waits for a node. */
const WAITING = new Set(['PENDING', 'REQUEUED', 'REQUEUE_FED', 'REQUEUE_HOLD', 'RESV_DEL_HOLD', 'SPECIAL_EXIT']);

export interface Observed {
  name: string;
  /** The job squeue lists under that name (or the recorded id), if Slurm still remembers it. */
  row: QueueRow | undefined;
  /** The job id recorded in the run folder at submit, if any. */
  recordedId: string | undefined;
  result: RunResult | null;
}

export interface Limits {
  now: number;
  /** A job pending longer than this is given up (cancelled and reported vanished). */
  pendingLimitS: number;
  /**
   * How long after its job ended a missing result.json is still awaited rather than called
   * vanished: on NFS a file another host wrote can take a while to show (attribute caching).
   */
  resultGraceS: number;
}

/** True when the run should be given up because its job waited too long for a node. */
export function pendingTooLong(row: QueueRow | undefined, limits: Limits): boolean {
  return row !== undefined && WAITING.has(row.state) && (limits.now - row.submittedAt) / 1000 > limits.pendingLimitS;
}

function reasonText(reason: string): string {
  return reason === '' || reason === 'None' ? '' : ` (${reason})`;
}

/** The run's status; null when no job of that name was ever submitted and its folder holds no result. */
export function runStatus(seen: Observed, limits: Limits): RunStatus | null {
  const { name, row, result } = seen;
  const id = row?.id ?? seen.recordedId;
  const base = { name, ...(id ? { id } : {}) };
  if (result) return { ...base, state: 'ended', node: result.node, gpus: result.gpus, result };
  if (row === undefined) {
    if (id === undefined) return null;
    return { ...base, state: 'vanished', reason: `Slurm job ${id} of run ${name} is no longer known to Slurm and left no ${RESULT_FILE}.` };
  }
  if (WAITING.has(row.state)) {
    const waited = Math.round((limits.now - row.submittedAt) / 1000);
    if (waited > limits.pendingLimitS) {
      return {
        ...base,
        state: 'vanished',
        reason: `Slurm job ${row.id} of run ${name} was pending for ${waited} s${reasonText(row.reason)}, past the ${limits.pendingLimitS} s limit, and was cancelled.`,
      };
    }
    return { ...base, state: 'pending', reason: `Slurm job ${row.id} is ${row.state.toLowerCase()}${reasonText(row.reason)}.` };
  }
  if (ACTIVE.has(row.state)) return { ...base, state: 'running', ...(row.nodes ? { node: row.nodes } : {}) };
  // Ended (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, …) and no result: the wrapper never finished,
  // unless the file is only slow to show here. A job that never had a node never ran it at all.
  if (row.nodes === '') {
    return { ...base, state: 'vanished', reason: `Slurm job ${row.id} of run ${name} ended ${row.state}${reasonText(row.reason)} before it started.` };
  }
  if (row.endsAt !== null && (limits.now - row.endsAt) / 1000 < limits.resultGraceS) {
    return {
      ...base,
      state: 'running',
      ...(row.nodes ? { node: row.nodes } : {}),
      reason: `Slurm job ${row.id} ended ${row.state}; waiting for its ${RESULT_FILE} to show.`,
    };
  }
  const where = row.nodes ? ` on ${row.nodes}` : '';
  return {
    ...base,
    state: 'vanished',
    ...(row.nodes ? { node: row.nodes } : {}),
    reason: `Slurm job ${row.id} of run ${name} ended ${row.state}${where}${reasonText(row.reason)} without writing ${RESULT_FILE}.`,
  };
}
