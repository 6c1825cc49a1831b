import type { Db } from './db.ts';
import type { SessionRow } from './types.ts';

export function sessionById(db: Db, id: number): SessionRow | undefined {
  return db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
}

export function latestSession(db: Db): SessionRow | undefined {
  return db.prepare('SELECT * FROM sessions ORDER BY id DESC LIMIT 1').get() as SessionRow | undefined;
}

/** The lowest and highest session ids, both null in a log with none: what an unknown id is told. */
export function sessionIdRange(db: Db): { lo: number | null; hi: number | null } {
  return db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM sessions').get() as { lo: number | null; hi: number | null };
}

/** A session of `nightshift rerun` (its options name the experiment it re-measures): never resumed, never a query's default. */
const NOT_RERUN = "json_extract(options_json, '$.rerunOf') IS NULL";

/** The latest session of `run`, the one a plain `run` may continue. */
export function latestRunSession(db: Db): SessionRow | undefined {
  return db.prepare(`SELECT * FROM sessions WHERE ${NOT_RERUN} ORDER BY id DESC LIMIT 1`).get() as SessionRow | undefined;
}

/** Sessions marked running: each is being run by a live agent, or its agent died. */
export function runningSessions(db: Db): SessionRow[] {
  return db.prepare(`SELECT * FROM sessions WHERE status = 'running' ORDER BY id`).all() as SessionRow[];
}

/**
 * The session a query opens on by default: the latest of `run` that has experiments (a session
 * started and stopped before its first run says nothing), else the latest with any, else the latest.
 */
export function defaultQuerySession(db: Db): SessionRow | undefined {
  const hasRows = 'EXISTS (SELECT 1 FROM experiments e WHERE e.session_id = sessions.id)';
  return (db.prepare(`SELECT * FROM sessions WHERE ${hasRows} AND ${NOT_RERUN} ORDER BY id DESC LIMIT 1`).get() ??
    db.prepare(`SELECT * FROM sessions WHERE ${hasRows} ORDER BY id DESC LIMIT 1`).get() ??
    latestSession(db)) as SessionRow | undefined;
}
