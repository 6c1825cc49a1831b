import type { Db } from './db.ts';

/**
 * Step plans (docs/design.md, "Step plan"): how many steps a configuration trains at a budget,
 * set by its first run and handed to every later run of it, so the same seed gives the same
 * numbers. Kept in the log, where no run can write.
 */
export class PlanStore {
  constructor(private readonly db: Db) {}

  steps(sessionId: number, config: string, budgetS: number): number | null {
    const row = this.db.prepare('SELECT steps FROM plans WHERE session_id = ? AND config = ? AND budget_s = ?').get(sessionId, config, budgetS) as
      | { steps: number }
      | undefined;
    return row?.steps ?? null;
  }

  /** A rerun measures with its original session's plans: the same steps as the runs it checks. */
  copy(fromSession: number, toSession: number): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO plans (session_id, config, budget_s, steps, experiment_id) SELECT ?, config, budget_s, steps, experiment_id FROM plans WHERE session_id = ?',
      )
      .run(toSession, fromSession);
  }

  /** The first plan recorded for a configuration stands; later ones are ignored. */
  record(sessionId: number, config: string, budgetS: number, steps: number, experimentId: number): void {
    this.db
      .prepare('INSERT OR IGNORE INTO plans (session_id, config, budget_s, steps, experiment_id) VALUES (?, ?, ?, ?, ?)')
      .run(sessionId, config, budgetS, steps, experimentId);
  }
}
