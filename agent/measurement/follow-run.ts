/**
 * Follows one run an executor started, from the agent's side, until it ends: its output.log is
 * tailed into the experiment's log (steps to onStep), the deadline (budget + grace from the
 * command's start) is kept by cancelling the run, the disk quota is watched over its folders, and
 * a run the executor lost is noticed. How it ended is read from result.json and classified as
 * run-training.ts classifies a child it started itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Protocol } from '../config/load.ts';
import { OUTPUT_LOG, RESULT_FILE, readResult } from '../executors/run-folder.ts';
import type { Executor, RunResult, RunSpec, RunStatus } from '../executors/types.ts';
import { watchDiskQuota } from '../runner/disk-quota.ts';
import { limitHit, type RunLimits } from '../runner/isolation/limits.ts';
import { killLeftovers } from '../runner/leftovers.ts';
import { backendOf, classify, type TrainingResult } from '../runner/run-training.ts';
import { tailOutput } from '../runner/tail-output.ts';
import type { StepMetrics } from '../store/metrics.ts';
import { openRunLog } from './run-log.ts';
import { type MeasureRecord, writeMeasureRecord } from './run-record.ts';

export interface FollowRequest {
  executor: Executor;
  run: Pick<RunSpec, 'name' | 'runDir'>;
  /** The run's record (run-record.ts): its start and deadline are noted in it as they happen. */
  record: MeasureRecord;
  budgetS: number;
  graceS: number;
  logPath: string;
  /** The metric its final line reports; null when an evaluation follows. */
  metric: string | null;
  /** How its output reports the final facts (run-training.ts TrainingRequest). */
  protocol?: Protocol;
  limits: RunLimits;
  /** Bytes the folders may hold together; over it the run is cancelled. */
  quota: { folders: string[]; bytes: number } | null;
  /** The environment marks of its processes (leftovers.ts runMarks), swept when a local run ends. */
  marks: string[];
  onStep?: (step: StepMetrics) => void;
  /** Where the run is, each time the executor first says or changes it (a Slurm job gets its node once it leaves the queue). */
  onPlaced?: (placement: Placement) => void;
  /** Steps already delivered by an earlier follow of this run: not delivered again. */
  stepsKnown?: number;
  maxStepRows?: number;
  signal?: AbortSignal;
  /** What an abort does: stop the run (as the direct path does), or leave it running for a later re-attach. */
  onAbort: 'cancel' | 'detach';
  pollMs?: number;
}

/** Where the run ran, as the executor reported it. */
export interface Placement {
  id: string | null;
  node: string | null;
  gpus: string[];
  gpuModel: string | null;
}

export interface Followed {
  training: TrainingResult;
  placement: Placement;
}

/** How long the executor may fail to answer before the measurement gives up with its error. */
const ASK_FAILING_MS = 60_000;

export async function followRun(req: FollowRequest): Promise<Followed> {
  const { executor, run, record } = req;
  const placement: Placement = { id: null, node: null, gpus: [], gpuModel: null };
  const where = () => JSON.stringify([placement.node, placement.gpus, placement.gpuModel]);
  let told = where();
  const place = (status: Partial<RunStatus>) => {
    if (status.id) placement.id = status.id;
    if (status.node) placement.node = status.node;
    if (status.gpus?.length) placement.gpus = [...status.gpus];
    // What the node said of its GPUs when the run ended beats what the agent assumed at submit.
    const model = status.result?.gpuModel ?? status.gpuModel;
    if (model) placement.gpuModel = model;
    if (where() !== told) req.onPlaced?.(placement);
    told = where();
  };
  const output = path.join(run.runDir, OUTPUT_LOG);
  const ended = () => fs.existsSync(path.join(run.runDir, RESULT_FILE));
  const log = openRunLog(req.logPath);
  const stopTail = new AbortController();
  let stopped: string | null = null;
  let overQuota: string | null = null;
  let steps = 0;
  const onStep = req.onStep && ((step: StepMetrics) => ++steps > (req.stepsKnown ?? 0) && req.onStep!(step));
  const tail = tailOutput({
    file: output,
    ended,
    log: log.write,
    onStep,
    maxStepRows: req.maxStepRows,
    protocol: req.protocol,
    signal: stopTail.signal,
    pollMs: req.pollMs,
  });
  const quota =
    req.quota &&
    watchDiskQuota(req.quota.folders, req.quota.bytes, () => {
      overQuota = `its disk quota (${Math.round(req.quota!.bytes / 2 ** 20)} MiB over its checkout and NIGHTSHIFT_OUT) was reached`;
      log.write(`[nightshift] ${overQuota}: the run is cancelled\n`);
      executor.cancel(run).catch((error: unknown) => {
        // The monitor still sees the run end or vanish; the log says why it may run on.
        log.write(`[nightshift] the run could not be cancelled: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    });

  const limitMs = (req.budgetS + req.graceS) * 1000;
  let following = true;
  let failure: unknown = null;
  let failingSince: number | null = null;
  const look = async (): Promise<RunStatus | null | undefined> => {
    try {
      const status = await executor.find(run);
      failingSince = null;
      return status;
    } catch (error) {
      // squeue or scontrol failing for a moment (a busy controller) is no reason to drop a run; a minute of it is.
      failingSince ??= Date.now();
      if (Date.now() - failingSince > ASK_FAILING_MS) throw error;
      log.write(`[nightshift] could not ask the executor about the run (${error instanceof Error ? error.message : String(error)}); asking again\n`);
      return undefined;
    }
  };
  const step = async (): Promise<boolean> => {
    if (req.signal?.aborted) {
      stopped = req.onAbort === 'cancel' ? abortReason(req.signal) : 'the agent stopped following it; it runs on, to be re-attached by name';
      if (req.onAbort === 'cancel') await executor.cancel(run);
      return false;
    }
    if (record.startedAt === undefined && fs.existsSync(output)) {
      record.startedAt = startOf(output) ?? Date.now();
      writeMeasureRecord(run.runDir, record);
    }
    if (record.startedAt !== undefined && !record.timedOut && !ended() && Date.now() - record.startedAt >= limitMs) {
      record.timedOut = true;
      writeMeasureRecord(run.runDir, record);
      log.write(`[nightshift] past its budget + grace (${req.budgetS + req.graceS} s): the run is cancelled\n`);
      await executor.cancel(run);
    }
    const status = await look();
    if (status) place(status);
    if (status !== undefined && (status === null || status.state === 'vanished') && !ended()) {
      stopped = `the run vanished: ${status?.reason ?? 'its run folder is gone'}`;
      return false;
    }
    return true;
  };
  const monitor = async () => {
    try {
      for (; following; await pause(req.pollMs ?? 1000, req.signal)) if (!(await step())) return stopTail.abort();
    } catch (error) {
      // Kept for the caller: the tail stops, and the measurement throws it once the log is closed.
      failure = error;
      stopTail.abort();
    }
  };
  const watching = monitor();
  const read = await tail;
  following = false;
  await watching;
  quota?.stop();
  if (failure !== null) {
    log.close();
    throw failure;
  }
  const { tail: lastLines, ...summary } = read;

  if (stopped) {
    log.close();
    const runS = record.startedAt === undefined ? 0 : (Date.now() - record.startedAt) / 1000;
    return { training: { ...summary, status: 'interrupted', metric: null, backend: null, exitCode: null, signal: null, runS, reason: stopped }, placement };
  }
  const result = readResult(run.runDir)!;
  place(result);
  log.close();
  // A local run's daemons that left its process group carry its environment; on Slurm the job's end kills them.
  if (executor.kind === 'local') await killLeftovers(req.marks);
  const base = {
    ...summary,
    exitCode: result.exitCode,
    signal: result.signal,
    runS: runSeconds(run.runDir, record, result),
    backend: backendOf(summary.final),
  };
  if (overQuota) return { training: { ...base, status: 'crashed', metric: null, reason: overQuota }, placement };
  const outcome = classify(summary.final, req.metric, record.timedOut === true, req.budgetS + req.graceS, result.exitCode, result.signal, lastLines);
  const limit = outcome.status === 'crashed' ? limitHit(lastLines, req.limits) : null;
  return { training: { ...base, ...outcome, reason: limit ? `${limit}: ${outcome.reason}` : outcome.reason }, placement };
}

/** When output.log was made (the wrapper makes it as the command starts), where the filesystem says. */
function startOf(file: string): number | null {
  const born = fs.statSync(file).birthtimeMs;
  return born > 0 ? born : null;
}

/** From the command's start to result.json's writing: filesystem times in ms where known, else the wrapper's seconds. */
function runSeconds(runDir: string, record: MeasureRecord, result: RunResult): number {
  const start = record.startedAt ?? startOf(path.join(runDir, OUTPUT_LOG)) ?? Date.parse(result.startedAt);
  const end = fs.statSync(path.join(runDir, RESULT_FILE)).mtimeMs;
  return Math.max(0, (end - start) / 1000);
}

/** Waits `ms`, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Why a run was stopped: the sentence its canceller gave (the loop's "cancelled: …"), else the user's stop. */
export function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'stopped by the user';
}
