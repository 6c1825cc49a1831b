/**
 * One measured run through an executor (docs/design.md, "Executors"), in its own checkout: the
 * checkout of the row's base commit with its diff, the training started by the executor as
 * runTraining would start it (executor-command.ts), followed from the agent's side through its run
 * folder (follow-run.ts), then judged exactly as a run started directly (judge-run.ts).
 *
 * Submission is idempotent by the run's name (`ns-<session>-<experiment>-<attempt>`): a call for a
 * run already submitted (an agent restarted mid-run, a detached follow) finds it and re-attaches,
 * never starting it twice. The checkout is left in place; the caller removes it once the run is
 * decided (Checkouts.remove), as it may still be needed by a re-attach until then.
 */
import path from 'node:path';
import { type Executor, type RunStatus, runName } from '../executors/types.ts';
import { runMarks } from '../runner/leftovers.ts';
import type { StepMetrics } from '../store/metrics.ts';
import type { PlanStore } from '../store/plans.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { Checkout, Checkouts } from '../workspace/checkouts.ts';
import { changedReadonly, type Hashes } from '../workspace/readonly-guard.ts';
import { executorCommand } from './executor-command.ts';
import { abortReason, followRun, type Placement } from './follow-run.ts';
import { judgeRun, type Measured } from './judge-run.ts';
import { configurationHash } from './measure-run.ts';
import { cacheEnvironment, type MeasuredSession, trainingRequest } from './run-request.ts';
import { compileForRun } from './compiled-ts.ts';
import { prepareCache } from './session-cache.ts';
import { type MeasureRecord, readMeasureRecord, writeMeasureRecord } from './run-record.ts';
import { treeState } from './untouched.ts';
import { plansForRun } from './plan-record.ts';

export type { Placement } from './follow-run.ts';

export interface ExecutorRun {
  executor: Executor;
  checkouts: Checkouts;
  /** The row's attempt (1 first; a vanished run is re-run with its seed as the next attempt). */
  attempt: number;
  /** The session's read-only files as they must be (a diff that changes one is rejected unrun). */
  readonlyHashes: Hashes;
  /** GPUs the run needs (default 0: a CPU run, or the slot's share of a pool). */
  gpus?: number;
  /** On abort: stop the run ('cancel', the default, as the direct path does), or leave it running for a later call. */
  onAbort?: 'cancel' | 'detach';
  pollMs?: number;
}

export interface ExecutorHooks {
  signal?: AbortSignal;
  onStep?: (step: StepMetrics) => void;
  /** Where the run is, once the executor says (follow-run.ts). */
  onPlaced?: (placement: Placement) => void;
  /** Steps of this run already stored (by an earlier follow): not delivered again on a re-attach. */
  stepsKnown?: number;
}

/** The run as submitted or found, before it is followed (the started event, the row's log path). */
export interface SubmittedRun {
  name: string;
  runDir: string;
  logPath: string;
  checkout: Checkout;
  status: RunStatus;
  /** Found already submitted (by an earlier call or agent), not started by this one. */
  reattached: boolean;
}

export type ExecutorMeasured = { rejected: true; reason: string } | (Measured & { rejected: false; name: string; placement: Placement });

export async function measureRunOnExecutor(
  opened: MeasuredSession,
  plans: PlanStore,
  row: ExperimentRow,
  run: ExecutorRun,
  hooks: ExecutorHooks,
  /** The session's rows when the run ends, for the seed rule. */
  rows: () => readonly ExperimentRow[],
  onStart: (submitted: SubmittedRun) => Promise<void> | void = () => {},
): Promise<ExecutorMeasured> {
  const { executor, checkouts } = run;
  const { session, sandbox, options } = opened;
  const name = runName(session.id, row.id, run.attempt);
  const runDir = path.dirname(checkouts.dirOf(name));
  const ref = { name, runDir };
  const found = await executor.find(ref);
  const checkout = await checkouts.forRun({ name, commit: row.base_commit, diff: row.diff });
  let record = found ? readMeasureRecord(runDir) : null;
  if (found && (record === null || !checkout.reused)) {
    // The run's tree or its state before the run is gone: it cannot be judged, so it is stopped and re-run.
    await executor.cancel(ref);
    return { rejected: false, interrupted: true, reason: 'its checkout or run record was gone on re-attach; re-run', runS: 0, name, placement: unplaced() };
  }
  if (!found) {
    const touched = changedReadonly(checkout.dir, run.readonlyHashes);
    if (touched.length > 0) {
      await checkouts.remove(name);
      return { rejected: true, reason: `it changed read-only ${touched.join(', ')}` };
    }
  }
  const editable = sandbox.config.editable;
  record ??= { before: treeState(checkout.dir, editable), config: configurationHash(checkout.dir, editable) } satisfies MeasureRecord;
  await prepareCache(opened, cacheEnvironment(opened));
  await compileForRun(opened, checkout);
  const request = trainingRequest(opened, row, {}, plansForRun(plans, session.id, record.config, options.budgetS), checkout);
  let status = found;
  // Stopped before it started: nothing to submit, nothing to cancel.
  if (!status && hooks.signal?.aborted) return { rejected: false, interrupted: true, reason: abortReason(hooks.signal), runS: 0, name, placement: unplaced() };
  if (!status) {
    writeMeasureRecord(runDir, record);
    const { argv, env } = executorCommand(request);
    // The executor's own limit is a backstop for a run whose agent is gone; the agent's deadline comes first.
    const timeLimitS = options.budgetS + options.graceS + 60;
    status = await executor.submit({ name, runDir, cwd: checkout.dir, argv, env, gpus: run.gpus ?? 0, timeLimitS });
  }
  await onStart({ name, runDir, logPath: request.logPath, checkout, status, reattached: found !== null });

  const quotaBytes = request.diskQuotaBytes;
  const { training, placement } = await followRun({
    executor,
    run: ref,
    record,
    budgetS: options.budgetS,
    graceS: options.graceS,
    logPath: request.logPath,
    metric: request.metric,
    protocol: request.protocol,
    limits: request.limits ?? { memoryBytes: null, openFiles: null },
    quota: quotaBytes == null ? null : { folders: [checkout.dir, request.env.NIGHTSHIFT_OUT ?? checkout.dir], bytes: quotaBytes },
    marks: runMarks(request.env),
    onStep: hooks.onStep,
    onPlaced: hooks.onPlaced,
    stepsKnown: hooks.stepsKnown,
    signal: hooks.signal,
    onAbort: run.onAbort ?? 'cancel',
    pollMs: run.pollMs,
  });
  if (training.status === 'interrupted')
    return { rejected: false, interrupted: true, reason: training.reason ?? 'interrupted', runS: training.runS, name, placement };
  const judged = await judgeRun({ opened, plans, row, tree: checkout, before: record.before, config: record.config, training, signal: hooks.signal, rows });
  return { ...judged, rejected: false, name, placement };
}

const unplaced = (): Placement => ({ id: null, node: null, gpus: [], gpuModel: null });
