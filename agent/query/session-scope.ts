import { UserError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { defaultQuerySession, sessionById, sessionIdRange } from '../store/session-reads.ts';
import type { SessionRow } from '../store/types.ts';

/**
 * The session a query is about: --session ID, else the latest session of `run` that has
 * experiments (session-reads.ts), so a session started and stopped at once, or a rerun, does not
 * hide the night. Unknown or absent ones are one-line errors.
 */
export function resolveSession(db: Db, file: string, id: number | undefined): SessionRow {
  if (id !== undefined) {
    const row = sessionById(db, id);
    if (row) return row;
    const ids = sessionIdRange(db);
    throw new UserError(`no session ${id} in ${file}${ids.lo === null ? ' (it has no sessions yet)' : ` (sessions ${ids.lo}–${ids.hi})`}`);
  }
  const latest = defaultQuerySession(db);
  if (!latest) throw new UserError(`${file} has no sessions yet`);
  return latest;
}

/** `--session ID`, `--all`, or neither (the default above): the session to filter on, or null for every one. */
export function sessionScope(db: Db, file: string, flags: { session?: number; all?: boolean }): number | null {
  if (flags.all && flags.session !== undefined) throw new UserError('give --session or --all, not both');
  if (flags.all) return null;
  return resolveSession(db, file, flags.session).id;
}
