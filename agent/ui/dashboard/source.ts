import type { DashboardView } from './view-model.ts';

/** Where the dashboard's view comes from: the loop's events (`run`) or a poll of the log (`watch`). */
export interface DashboardSource {
  /** For React's useSyncExternalStore: the listener runs after each new view. */
  subscribe(listener: () => void): () => void;
  view(): DashboardView;
  /** One experiment in full (diff, runs, decision, log tail), for the detail screen. */
  detail(id: number): string[];
}

/** What the keys of `run` ask of the loop. */
export interface RunControls {
  /** q (now=false) and Q (now=true). */
  stop(now: boolean): void;
  /** Ctrl-C on the dashboard: the same as SIGINT (first finish the run, second stop it now). */
  interrupt(): void;
  togglePause(): void;
}

/** The current view and its subscribers, shared by both sources. */
export class ViewStore {
  private readonly listeners = new Set<() => void>();

  constructor(private current: DashboardView) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  view = (): DashboardView => this.current;

  protected publish(view: DashboardView): void {
    this.current = view;
    for (const listener of this.listeners) listener();
  }
}
