import type { Db } from './db.ts';
import { now } from './sessions.ts';

/** One version of a proposer's research agenda (its write_plan tool). */
export interface Agenda {
  id: number;
  session_id: number;
  written_at: string;
  proposer: string;
  plan: string;
}

/** The agenda an LLM proposer keeps across proposals: each version is kept, the latest is the one in force. */
export class AgendaStore {
  constructor(private readonly db: Db) {}

  write(sessionId: number, proposer: string, plan: string): Agenda {
    const info = this.db.prepare('INSERT INTO agendas (session_id, written_at, proposer, plan) VALUES (?, ?, ?, ?)').run(sessionId, now(), proposer, plan);
    return this.db.prepare('SELECT * FROM agendas WHERE id = ?').get(Number(info.lastInsertRowid)) as Agenda;
  }
}

/** The agenda in force for a session (its latest version), or null; readable from a read-only log. */
export function latestAgenda(db: Db, sessionId: number): Agenda | null {
  return (db.prepare('SELECT * FROM agendas WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(sessionId) as Agenda | undefined) ?? null;
}

/** How many versions the agenda has had: a plan rewritten ten times is worth saying. */
export function agendaVersions(db: Db, sessionId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM agendas WHERE session_id = ?').get(sessionId) as { n: number }).n;
}

/** The agenda as the report gives it: the latest plan, when it was written, and how many versions came before. */
export function reportAgenda(db: Db, sessionId: number): { plan: string; written_at: string; versions: number } | null {
  const agenda = latestAgenda(db, sessionId);
  return agenda && { plan: agenda.plan, written_at: agenda.written_at, versions: agendaVersions(db, sessionId) };
}
