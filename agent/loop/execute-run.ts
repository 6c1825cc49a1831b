import { measureRun, type Measured } from '../measurement/measure-run.ts';
import type { MeasuredSession } from '../measurement/run-request.ts';
import type { ExperimentStore } from '../store/experiments.ts';
import type { MetricsWriter, StepMetrics } from '../store/metrics.ts';
import type { PlanStore } from '../store/plans.ts';
import type { ExperimentRow } from '../store/types.ts';
import { changedReadonly, type Hashes } from '../workspace/readonly-guard.ts';
import type { EventBus } from './events.ts';

/** What recording one run needs: the loop and `rerun` both measure through here. */
export interface RunRecorder {
  experiments: ExperimentStore;
  metrics: MetricsWriter;
  plans: PlanStore;
  bus: EventBus;
}

/** A change that may not run (it touched read-only files, or changed nothing): stored as rejected, and said. */
export function rejectRun(recorder: Pick<RunRecorder, 'experiments' | 'bus'>, row: ExperimentRow, reason: string): void {
  recorder.experiments.rejected(row.id, reason);
  recorder.bus.emit({ type: 'rejected', experiment: recorder.experiments.get(row.id)! });
}

/** Stores a step line of the row's run and tells the subscribers. */
export function stepRecorder(recorder: Pick<RunRecorder, 'metrics' | 'bus'>, row: ExperimentRow): (step: StepMetrics) => void {
  return (step) => {
    recorder.metrics.add(row.id, step);
    recorder.bus.emit({ type: 'run-step', experimentId: row.id, step });
  };
}

/** Records how a measured run ended (and where it ran, when an executor said), then tells the subscribers. */
export function recordMeasured(
  recorder: RunRecorder,
  row: ExperimentRow,
  measured: Measured,
  placement?: { node: string | null; gpus: string[]; gpuModel: string | null },
): void {
  const { experiments, metrics, bus } = recorder;
  metrics.flush();
  if (measured.interrupted) experiments.interrupted(row.id, measured.reason, measured.runS);
  else experiments.finished(row.id, measured.outcome);
  if (placement && (placement.node !== null || placement.gpus.length > 0 || placement.gpuModel !== null)) experiments.placed(row.id, placement);
  bus.emit({ type: 'run-finished', experiment: experiments.get(row.id)! });
}

/**
 * Measures one row's run (training, evaluation, rules) in the workspace as it stands, and
 * records how it ended; a workspace whose read-only files differ from `readonlyHashes` is
 * rejected unrun. `onStarted` runs once the row is marked running (the loop's prefetch).
 */
export async function executeRun(
  opened: MeasuredSession & { readonlyHashes: Hashes },
  recorder: RunRecorder,
  row: ExperimentRow,
  signal: AbortSignal,
  onStarted: () => Promise<void> = async () => {},
): Promise<void> {
  const { experiments, bus } = recorder;
  const touched = changedReadonly(opened.workspace.dir, opened.readonlyHashes);
  if (touched.length > 0) return rejectRun(recorder, row, `it changed read-only ${touched.join(', ')}`);

  const hooks = {
    signal,
    onSpawn: (pid: number) => experiments.spawned(row.id, pid),
    onStep: stepRecorder(recorder, row),
  };
  const measured = await measureRun(
    opened,
    recorder.plans,
    row,
    hooks,
    () => experiments.forSession(row.session_id),
    async (request) => {
      experiments.started(row.id, request.logPath);
      bus.emit({ type: 'run-started', experiment: experiments.get(row.id)! });
      await onStarted();
    },
  );
  recordMeasured(recorder, row, measured);
}
