import type { StepMetrics } from '../store/metrics.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import type { PlanPhase } from '../proposers/plan-estimate.ts';

/** The limits in force: decisions, runs, and when the night ends (with the seconds left to it). */
export interface SessionLimits {
  maxExperiments: number | null;
  maxRuns: number | null;
  deadline: { at: string; leftS: number } | null;
}

/** What the session means to run and how long that takes at its pace (sent once, after session-started). */
export interface PlanEvent {
  type: 'plan';
  phases: PlanPhase[];
  /** Seconds per run the estimate assumes; `perRunMeasured` false: budget + grace, before any run finished. */
  perRunS: number;
  perRunMeasured: boolean;
  /** The phases with a known number of runs, at perRunS each. */
  estimateS: number;
  limits: SessionLimits;
}

/** What the core tells its front ends (the Ink UI, the headless printer). It knows nothing of them. */
export type LoopEvent =
  | { type: 'session-started'; session: SessionRow; resumed: boolean; interrupted: ExperimentRow[] }
  | PlanEvent
  | { type: 'proposing' }
  | { type: 'run-started'; experiment: ExperimentRow }
  | { type: 'run-placed'; experiment: ExperimentRow }
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
