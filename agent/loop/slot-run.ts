/**
 * One row's run in a slot of the parallel loop: measured through the executor in its own checkout
 * (measureRunOnExecutor submits it, or finds it again by name after a restart), recorded as the
 * sequential loop records a run, then its checkout removed: a run once recorded is never followed again.
 */
import type { Executor } from '../executors/types.ts';
import { measureRunOnExecutor } from '../measurement/measure-on-executor.ts';
import { stepsSince } from '../store/metric-reads.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { Checkouts } from '../workspace/checkouts.ts';
import { recordMeasured, rejectRun, stepRecorder, type RunRecorder } from './execute-run.ts';
import type { LoopDeps } from './loop.ts';
import type { OpenedSession } from './session-setup.ts';

export interface SlotContext {
  opened: OpenedSession;
  deps: LoopDeps & Pick<RunRecorder, 'plans'>;
  executor: Executor;
  checkouts: Checkouts;
  gpusPerRun: number;
  pollMs?: number;
}

/** Every run of a row is its attempt 1: a run that vanished leaves its row interrupted, and the rule re-runs it as a new row. */
export const ATTEMPT = 1;

export async function runInSlot(ctx: SlotContext, row: ExperimentRow, signal: AbortSignal): Promise<void> {
  const { experiments, bus, db } = ctx.deps;
  const known = stepsSince(db, row.id, -1).length;
  const measured = await measureRunOnExecutor(
    ctx.opened,
    ctx.deps.plans,
    row,
    { executor: ctx.executor, checkouts: ctx.checkouts, attempt: ATTEMPT, readonlyHashes: ctx.opened.readonlyHashes, gpus: ctx.gpusPerRun, pollMs: ctx.pollMs },
    {
      signal,
      stepsKnown: known,
      onStep: stepRecorder(ctx.deps, row),
      // Recorded while it runs, so the dashboard and `watch` show where each run is.
      onPlaced: (placement) => {
        experiments.placed(row.id, placement);
        bus.emit({ type: 'run-placed', experiment: experiments.get(row.id)! });
      },
    },
    () => experiments.forSession(row.session_id),
    (submitted) => {
      // A run found again keeps its first start time: that is when it began.
      if (!submitted.reattached || row.status !== 'running') experiments.started(row.id, submitted.logPath);
      bus.emit({ type: 'run-started', experiment: experiments.get(row.id)! });
    },
  );
  if (measured.rejected) {
    ctx.deps.metrics.flush();
    return rejectRun(ctx.deps, row, measured.reason);
  }
  recordMeasured(ctx.deps, row, measured, measured.placement);
  await ctx.checkouts.remove(measured.name);
}
