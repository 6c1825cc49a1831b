import type { Db } from './db.ts';

/**
 * Step plans (docs/design.md, "Step plan"): how many steps a configuration trains at a budget,
 * set by its first run and handed to every later run of it, so the same seed gives the same
 * numbers. Kept in the log, where no run can write.
 */
/** How shape plans are told apart from configuration hashes in the plans table. */
export const SHAPE = 'shape:';

export interface RunPlans {
  /** The configuration's own plan, once a run of it made one. */
  steps: number | null;
  /** Steps per shape key, for a configuration with no plan of its own. */
  shapes: Record<string, number>;
}

export class PlanStore {
  constructor(private readonly db: Db) {}

  steps(sessionId: number, config: string, budgetS: number): number | null {
    const row = this.db.prepare('SELECT steps FROM plans WHERE session_id = ? AND config = ? AND budget_s = ?').get(sessionId, config, budgetS) as
      | { steps: number }
      | undefined;
    return row?.steps ?? null;
  }

  /**
   * The steps recorded per model shape (a final line's plan_shape, kept under `shape:KEY`): a new
   * configuration of a shape already timed trains those steps instead of timing its own.
   */
  shapes(sessionId: number, budgetS: number): Record<string, number> {
    const rows = this.db
      .prepare("SELECT config, steps FROM plans WHERE session_id = ? AND budget_s = ? AND config LIKE 'shape:%'")
      .all(sessionId, budgetS) as Array<{ config: string; steps: number }>;
    return Object.fromEntries(rows.map((r) => [r.config.slice(SHAPE.length), r.steps]));
  }

  /** What a run of this configuration is handed: its own plan, else the plans of the shapes timed so far. */
  forRun(sessionId: number, config: string, budgetS: number): RunPlans {
    return { steps: this.steps(sessionId, config, budgetS), shapes: this.shapes(sessionId, budgetS) };
  }

  /** A rerun measures with its original session's plans: the same steps as the runs it checks. */
  copy(fromSession: number, toSession: number): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO plans (session_id, config, budget_s, steps, experiment_id) SELECT ?, config, budget_s, steps, experiment_id FROM plans WHERE session_id = ?',
      )
      .run(toSession, fromSession);
  }

  /**
   * Sets a plan to `steps` only where run `experimentId` made it; true when it did. A plan a run
   * made and could not finish is cut to what it trained (plan-record.ts shortenPlan).
   */
  shorten(sessionId: number, config: string, budgetS: number, steps: number, experimentId: number): boolean {
    const result = this.db
      .prepare('UPDATE plans SET steps = ? WHERE session_id = ? AND config = ? AND budget_s = ? AND experiment_id = ? AND steps > ?')
      .run(steps, sessionId, config, budgetS, experimentId, steps);
    return result.changes > 0;
  }

  /** The first plan recorded for a configuration stands; later ones are ignored. */
  record(sessionId: number, config: string, budgetS: number, steps: number, experimentId: number): void {
    this.db
      .prepare('INSERT OR IGNORE INTO plans (session_id, config, budget_s, steps, experiment_id) VALUES (?, ?, ?, ?, ?)')
      .run(sessionId, config, budgetS, steps, experimentId);
  }
}
