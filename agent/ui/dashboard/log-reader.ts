/** What the dashboard reads from the log: cheap queries, so polling twice a second costs little. */
import { styleText } from 'node:util';
import { experimentDetail } from '../../query/experiment-detail.ts';
import { showText } from '../../query/show-text.ts';
import type { Db } from '../../store/db.ts';
import { experimentsWithoutDiffs } from '../../store/experiment-reads.ts';
import { llmTotals } from '../../store/llm-turns.ts';
import type { SessionRow } from '../../store/types.ts';
import { logView, type LogView } from './view-model.ts';

/** The session's rows as the dashboard sees them (no diffs: the detail view reads one when asked). */
export function readLogView(db: Db, session: SessionRow): LogView {
  return logView(session, experimentsWithoutDiffs(db, session.id), llmTotals(db, session.id));
}

/** `nightshift show`'s text of one experiment (diff, runs, decision, log tail), line by line. */
export function detailLines(db: Db, id: number, colour: boolean): string[] {
  const paint = colour ? (c: Parameters<typeof styleText>[0], text: string) => styleText(c, text) : undefined;
  return showText(experimentDetail(db, id), { paint, tail: 40 }).trimEnd().split('\n');
}
