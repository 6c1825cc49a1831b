import type { Db } from './db.ts';
import type { ExperimentRow } from './types.ts';

export function experimentById(db: Db, id: number): ExperimentRow | undefined {
  return db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRow | undefined;
}

/** Null in a log with no experiments yet. */
export function highestExperimentId(db: Db): number | null {
  return (db.prepare('SELECT max(id) AS max FROM experiments').get() as { max: number | null }).max;
}

/** A candidate and its confirmation runs, oldest first. */
export function runsOfCandidate(db: Db, candidateId: number): ExperimentRow[] {
  return db.prepare('SELECT * FROM experiments WHERE id = ? OR parent_id = ? ORDER BY id').all(candidateId, candidateId) as ExperimentRow[];
}

/** The baseline and control runs that measured one commit of a session, oldest first. */
export function runsOfCommit(db: Db, sessionId: number, commit: string): ExperimentRow[] {
  return db
    .prepare(`SELECT * FROM experiments WHERE session_id = ? AND kind IN ('baseline', 'control') AND base_commit = ? ORDER BY id`)
    .all(sessionId, commit) as ExperimentRow[];
}

export function keptExperiments(db: Db, sessionId: number): ExperimentRow[] {
  return db.prepare(`SELECT * FROM experiments WHERE session_id = ? AND decision = 'keep' ORDER BY id`).all(sessionId) as ExperimentRow[];
}

/**
 * A session's rows, oldest first, without their diffs: the report and results.tsv never show
 * them, and a diff is most of a row (not naming the column spares SQLite its overflow pages).
 */
export function experimentsWithoutDiffs(db: Db, sessionId: number): ExperimentRow[] {
  const columns = (db.prepare('PRAGMA table_info(experiments)').all() as { name: string }[]).map((c) => c.name).filter((name) => name !== 'diff');
  return db.prepare(`SELECT ${columns.join(', ')}, '' AS diff FROM experiments WHERE session_id = ? ORDER BY id`).all(sessionId) as ExperimentRow[];
}

/** The seeds of every run of the sessions that re-measured experiment `id` (`nightshift rerun`). */
export function seedsOfReruns(db: Db, id: number): number[] {
  const rows = db
    .prepare(`SELECT e.seed FROM experiments e JOIN sessions s ON s.id = e.session_id WHERE json_extract(s.options_json, '$.rerunOf') = ?`)
    .all(id) as { seed: number }[];
  return rows.map((r) => r.seed);
}
