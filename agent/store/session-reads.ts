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
