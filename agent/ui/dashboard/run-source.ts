import type { EventBus, LoopEvent } from '../../loop/events.ts';
import type { Db } from '../../store/db.ts';
import { sessionById } from '../../store/session-reads.ts';
import { printable } from '../../text/printable.ts';
import { LiveSteps } from './live-steps.ts';
import { detailLines, readLogView } from './log-reader.ts';
import { ViewStore, type DashboardSource, type RunControls } from './source.ts';
import { dashboardView, type AgentState, type LogView } from './view-model.ts';

/** What the dashboard may ask of the loop (ExperimentLoop has both). */
export interface LoopHandle {
  requestStop(now?: boolean): void;
  pause(paused: boolean): void;
}

/** At most three frames a second, however fast the training script prints steps. */
export const REFRESH_MS = 333;
/** Clocks and the progress bar move even while a run prints nothing. */
const TICK_MS = 1000;

/**
 * The dashboard of `nightshift run`: the loop's events say when to look again; the rows come
 * from the log (the same reading `watch` does), the run in flight's steps from the events.
 */
export class RunSource extends ViewStore implements DashboardSource {
  readonly controls: RunControls;
  private log: LogView | null = null;
  private logDirty = true;
  private steps: LiveSteps | null = null;
  private agent: Extract<AgentState, { mode: 'run' }> = { mode: 'run', paused: false, stopping: null, proposing: false };
  private notice: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastRefresh = 0;
  private readonly ticker: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Db,
    private readonly sessionId: number,
    bus: EventBus,
    loop: LoopHandle,
    private readonly options: { colour: boolean; now?: () => number } = { colour: false },
  ) {
    super(dashboardView(null, { now: Date.now(), agent: { mode: 'run', paused: false, stopping: null, proposing: false }, steps: null }));
    this.controls = {
      stop: (now) => {
        if (!now && this.agent.stopping) return;
        loop.requestStop(now);
      },
      interrupt: () => loop.requestStop(),
      togglePause: () => {
        this.agent = { ...this.agent, paused: !this.agent.paused };
        loop.pause(this.agent.paused);
        this.refresh();
      },
    };
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
    this.ticker = setInterval(() => this.schedule(), TICK_MS);
    this.refresh();
  }

  detail(id: number): string[] {
    return detailLines(this.db, id, this.options.colour);
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.ticker);
    clearTimeout(this.timer);
  }

  private onEvent(event: LoopEvent): void {
    switch (event.type) {
      case 'run-step':
        if (this.steps?.experimentId !== event.experimentId) {
          // Several runs print steps at once when a session has slots: the panel follows the log's current one.
          const current = this.log?.current;
          if (current && current.id !== event.experimentId) return;
          this.steps = new LiveSteps(event.experimentId);
        }
        this.steps.add(event.step);
        this.schedule();
        return;
      case 'proposing':
        this.agent = { ...this.agent, proposing: true };
        break;
      case 'run-started':
        this.agent = { ...this.agent, proposing: false };
        this.steps = new LiveSteps(event.experiment.id);
        break;
      case 'stop-requested':
        this.agent = { ...this.agent, stopping: event.now ? 'now' : 'after-run' };
        break;
      case 'warning':
        this.notice = printable(event.message);
        break;
      case 'session-ended':
        // The last frame must be the final state: no throttling.
        this.logDirty = true;
        this.refresh();
        return;
    }
    this.logDirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRefresh + REFRESH_MS - performance.now());
    this.timer = setTimeout(() => this.refresh(), wait);
  }

  private refresh(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastRefresh = performance.now();
    if (this.logDirty) {
      const session = sessionById(this.db, this.sessionId)!;
      this.log = readLogView(this.db, session);
      this.logDirty = false;
    }
    const now = this.options.now?.() ?? Date.now();
    this.publish(dashboardView(this.log, { now, agent: this.agent, steps: this.steps, notice: this.notice }));
  }
}
