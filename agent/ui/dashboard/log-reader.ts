/** What the dashboard reads from the log: cheap queries, so polling twice a second costs little. */
import { styleText } from 'node:util';
import { experimentDetail } from '../../query/experiment-detail.ts';
import { showText } from '../../query/show-text.ts';
import { curveText } from '../../report/curves-text.ts';
import { readCurves } from '../../report/read-curves.ts';
import { latestAgenda } from '../../store/agendas.ts';
import type { Db } from '../../store/db.ts';
import { experimentsWithoutDiffs } from '../../store/experiment-reads.ts';
import { llmTotals } from '../../store/llm-turns.ts';
import type { SessionRow } from '../../store/types.ts';
import { logView, type LogView } from './view-model.ts';

/** The curves fit the smallest terminal the dashboard lays out for (80 columns), scrolled like the rest. */
const CURVE_WIDTH = 80;
const CURVE_HEIGHT = 10;

/** The session's rows as the dashboard sees them (no diffs: the detail view reads one when asked). */
export function readLogView(db: Db, session: SessionRow): LogView {
  return logView(session, experimentsWithoutDiffs(db, session.id), llmTotals(db, session.id), latestAgenda(db, session.id));
}

/** `nightshift show`'s text of one experiment (diff, runs, decision, log tail), then its learning curves, line by line. */
export function detailLines(db: Db, id: number, colour: boolean): string[] {
  const paint = colour ? (c: Parameters<typeof styleText>[0], text: string) => styleText(c, text) : undefined;
  const detail = experimentDetail(db, id);
  const curves = curveText(readCurves(db, detail.experiment, detail.runs), CURVE_WIDTH, CURVE_HEIGHT);
  return [...showText(detail, { paint, tail: 40 }).trimEnd().split('\n'), '', ...curves];
}
