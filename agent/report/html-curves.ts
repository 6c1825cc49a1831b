/**
 * The kept changes' learning curves for the HTML report (read-curves.ts and curves-svg.ts, as
 * `show --chart` draws them), at most MAX_CURVES of them: the largest gains at decision first,
 * so a night with hundreds of keeps still gives a page of bounded size.
 */
import type { Db } from '../store/db.ts';
import { experimentById, runsOfCandidate } from '../store/experiment-reads.ts';
import { printable } from '../text/printable.ts';
import { curvesSvg } from './curves-svg.ts';
import { readCurves } from './read-curves.ts';
import type { SessionReport } from './summary.ts';

export const MAX_CURVES = 20;

/** SVG by kept experiment id. */
export function keptCurves(db: Db, report: SessionReport): Map<number, string> {
  const gain = (d: number | null) => (d === null ? Number.NEGATIVE_INFINITY : report.goal === 'minimize' ? -d : d);
  const chosen = [...report.kept].sort((a, b) => gain(b.delta_at_decision) - gain(a.delta_at_decision)).slice(0, MAX_CURVES);
  const curves = new Map<number, string>();
  for (const k of chosen) {
    const row = experimentById(db, k.experiment);
    if (!row) continue;
    const data = readCurves(db, row, runsOfCandidate(db, row.id));
    if (data.metrics.length === 0) continue;
    // Titles and labels quote descriptions: curves-svg.ts escapes the markup, terminal escapes go here as everywhere on the page.
    const shown = {
      ...data,
      title: printable(data.title),
      subtitle: printable(data.subtitle),
      metrics: data.metrics.map((m) => ({ ...m, name: printable(m.name) })),
    };
    curves.set(k.experiment, curvesSvg(shown));
  }
  return curves;
}
