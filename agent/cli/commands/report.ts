import path from 'node:path';
import { z } from 'zod';
import { sessionDir } from '../../paths.ts';
import { outputSink, type Stdout } from '../../query/output.ts';
import { resolveSession } from '../../query/session-scope.ts';
import { chartData } from '../../report/chart-data.ts';
import { chartSvg } from '../../report/chart-svg.ts';
import { reportHtml } from '../../report/html.ts';
import { keptCurves } from '../../report/html-curves.ts';
import { reportMarkdown } from '../../report/markdown.ts';
import { sessionMarkers } from '../../report/session-markers.ts';
import { summarize } from '../../report/summary.ts';
import { writeChart, type WrittenChart } from '../../report/write-chart.ts';
import { UserError } from '../../errors.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { experimentsWithoutDiffs } from '../../store/experiment-reads.ts';
import { llmTotals } from '../../store/llm-turns.ts';
import { reportAgenda } from '../../store/agendas.ts';
import { printable } from '../../text/printable.ts';
import { parseCommand } from '../args.ts';
import { dbFlag, QUERY_OPTIONS, sessionFlag } from '../query-flags.ts';

const USAGE = `usage: nightshift report [flags]

  --db FILE          the experiment log (default: experiments.db)
  --session ID       this session (default: the latest run with experiments)
  --format F         md | json | html (default: md, or json/html for an --out ending in .json/.html);
                     html is one self-contained page, its charts inline
  --out FILE         write the report to FILE instead of stdout
  --chart FILE.svg   where the progress chart goes (PNG beside it); md always has one, json and html only with this flag
                     (default: beside --out as NAME-progress.svg, else in the session's folder beside the log)`;

const Flags = z.object({
  db: dbFlag,
  session: sessionFlag,
  format: z.enum(['md', 'json', 'html'], { message: '--format must be md, json or html' }).optional(),
  out: z.string().optional(),
  chart: z
    .string()
    .regex(/\.svg$/i, { message: '--chart must name an .svg file' })
    .optional(),
});

const { db: dbOption, session, format, out } = QUERY_OPTIONS;
const spec = { name: 'report', usage: USAGE, schema: Flags, options: { db: dbOption, session, format, out, chart: { type: 'string' } } } as const;

export async function reportCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void stdout.write(`${USAGE}\n`), 0);
  const format = flags.format ?? formatOf(flags.out);
  const sink = outputSink(flags.out, stdout);
  const db = openLogReadOnly(flags.db);
  try {
    const session = resolveSession(db, flags.db, flags.session);
    const rows = experimentsWithoutDiffs(db, session.id);
    const report = summarize(session, rows, {
      llmTurns: llmTotals(db, session.id),
      markers: sessionMarkers(session.workspace),
      agenda: reportAgenda(db, session.id),
    });
    const chartPath = flags.chart ?? (format === 'md' ? defaultChartPath(flags.out, flags.db, session.id) : undefined);
    const svg = chartPath === undefined ? null : chartSvg(chartData(report, rows));
    const chart =
      chartPath === undefined || svg === null
        ? null
        : await writeChart(chartPath, svg).catch((error: unknown) => {
            // A chart beside a log in a read-only folder cannot be written: the report comes without
            // it, said on stderr. A chart asked for with --chart must be written, or it is an error.
            if (flags.chart !== undefined || !(error instanceof UserError)) throw error;
            process.stderr.write(`nightshift: no chart: ${error.message}\n`);
            return null;
          });
    if (format === 'json') sink.write(`${JSON.stringify({ ...report, chart }, null, 2)}\n`);
    // The page escapes every text from the log itself (report/html-parts.ts).
    else if (format === 'html') sink.write(reportHtml({ report, rows, curves: keptCurves(db, report) }));
    // Descriptions and reasons come from runs and proposers: the Markdown is made printable.
    else sink.write(printable(reportMarkdown(report, chart && relativeTo(flags.out, chart))));
    return 0;
  } finally {
    db.close();
  }
}

/** --out report.json gets JSON and report.html a page, anything else Markdown. */
function formatOf(out: string | undefined): 'md' | 'json' | 'html' {
  const ext = out?.toLowerCase().match(/\.(json|html?)$/)?.[1];
  return ext === 'json' ? 'json' : ext === undefined ? 'md' : 'html';
}

function defaultChartPath(out: string | undefined, db: string, sessionId: number): string {
  if (out !== undefined) return `${out.replace(/\.[^./\\]*$/, '')}-progress.svg`;
  return path.join(sessionDir(db, sessionId), 'progress.svg');
}

/** Chart links as seen from where the Markdown lives (its --out folder, or the current one). */
function relativeTo(out: string | undefined, chart: WrittenChart): WrittenChart {
  const from = path.dirname(path.resolve(out ?? 'report.md'));
  const rel = (p: string) => path.relative(from, path.resolve(p)).split(path.sep).join('/');
  return { svg: rel(chart.svg), png: chart.png && rel(chart.png) };
}
