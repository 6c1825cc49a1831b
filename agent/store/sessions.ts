import type { Db } from './db.ts';
import { latestRunSession, latestSession, runningSessions, sessionById } from './session-reads.ts';
import type { SessionRow, SessionStatus } from './types.ts';

export const now = (): string => new Date().toISOString();

export type NewSession = Pick<
  SessionRow,
  | 'sandbox'
  | 'workspace'
  | 'command'
  | 'metric'
  | 'goal'
  | 'proposer'
  | 'decision_rule'
  | 'budget_s'
  | 'max_experiments'
  | 'options_json'
  | 'readonly_json'
  | 'seal'
>;

export class SessionStore {
  constructor(private readonly db: Db) {}

  create(fields: NewSession): SessionRow {
    const info = this.db
      .prepare(
        `INSERT INTO sessions (status, started_at, sandbox, workspace, command, metric, goal, proposer,
           decision_rule, budget_s, max_experiments, options_json, readonly_json, seal, agent_pid, heartbeat_at)
         VALUES ('running', @started_at, @sandbox, @workspace, @command, @metric, @goal, @proposer,
           @decision_rule, @budget_s, @max_experiments, @options_json, @readonly_json, @seal, @agent_pid, @started_at)`,
      )
      .run({ ...fields, started_at: now(), agent_pid: process.pid });
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): SessionRow | undefined {
    return sessionById(this.db, id);
  }

  latest(): SessionRow | undefined {
    return latestSession(this.db);
  }

  /** The latest session of `run` (not of `rerun`): what a plain `run` may continue. */
  latestRun(): SessionRow | undefined {
    return latestRunSession(this.db);
  }

  running(): SessionRow[] {
    return runningSessions(this.db);
  }

  /** Marks the session as run by this process again (after a resume), with its limits as this resume set them. */
  claim(id: number, maxExperiments: number | null, optionsJson: string): void {
    this.db
      .prepare(
        `UPDATE sessions SET status = 'running', agent_pid = ?, heartbeat_at = ?, ended_at = NULL,
           end_reason = NULL, paused_at = NULL, max_experiments = ?, options_json = ? WHERE id = ?`,
      )
      .run(process.pid, now(), maxExperiments, optionsJson, id);
  }

  setWorkspace(id: number, dir: string): void {
    this.db.prepare('UPDATE sessions SET workspace = ? WHERE id = ?').run(dir, id);
  }

  /** The hashes of the files the session's evaluations run with, taken when it began. */
  setEvaluationFiles(id: number, hashesJson: string): void {
    this.db.prepare('UPDATE sessions SET evaluation_json = ? WHERE id = ?').run(hashesJson, id);
  }

  setCommits(id: number, commits: { baseline?: string; head: string }): void {
    this.db
      .prepare('UPDATE sessions SET baseline_commit = COALESCE(?, baseline_commit), head_commit = ? WHERE id = ?')
      .run(commits.baseline ?? null, commits.head, id);
  }

  /** Stored so that `watch`, another process, can show the pause. */
  setPaused(id: number, paused: boolean): void {
    this.db.prepare('UPDATE sessions SET paused_at = ? WHERE id = ?').run(paused ? now() : null, id);
  }

  setPlan(id: number, planJson: string): void {
    this.db.prepare('UPDATE sessions SET plan_json = ? WHERE id = ?').run(planJson, id);
  }

  heartbeat(id: number): void {
    this.db.prepare('UPDATE sessions SET heartbeat_at = ? WHERE id = ?').run(now(), id);
  }

  end(id: number, status: Exclude<SessionStatus, 'running'>, reason: string): void {
    this.db
      .prepare('UPDATE sessions SET status = ?, end_reason = ?, ended_at = ?, agent_pid = NULL, paused_at = NULL WHERE id = ?')
      .run(status, reason, now(), id);
  }
}
