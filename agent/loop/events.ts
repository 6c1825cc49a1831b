import type { StepMetrics } from '../store/metrics.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';

/** What the core tells its front ends (the Ink UI, the headless printer). It knows nothing of them. */
export type LoopEvent =
  | { type: 'session-started'; session: SessionRow; resumed: boolean; interrupted: ExperimentRow[] }
  | { type: 'proposing' }
  | { type: 'run-started'; experiment: ExperimentRow }
  | { type: 'run-step'; experimentId: number; step: StepMetrics }
  | { type: 'run-finished'; experiment: ExperimentRow }
  | { type: 'decided'; experiment: ExperimentRow }
  | { type: 'rejected'; experiment: ExperimentRow }
  | { type: 'stop-requested'; now: boolean }
  | { type: 'warning'; message: string }
  | { type: 'session-ended'; session: SessionRow };

export type LoopListener = (event: LoopEvent) => void;

export class EventBus {
  private readonly listeners = new Set<LoopListener>();

  subscribe(listener: LoopListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LoopEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
