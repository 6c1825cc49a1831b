import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { writeFile } from '../../output-file.ts';
import { comparison } from '../../query/compare.ts';
import { compareDiffs } from '../../query/compare-diff.ts';
import { compareText } from '../../query/compare-text.ts';
import { stdoutSink, type Stdout } from '../../query/output.ts';
import { compareChartSvg } from '../../report/compare-chart-svg.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { parseCommand } from '../args.ts';
import { dbFlag, QUERY_OPTIONS } from '../query-flags.ts';

const USAGE = `usage: nightshift compare A B … [flags]

  experiments side by side: decision, metric over their runs, training facts, and the diff between them

  --db FILE          the experiment log (default: experiments.db)
  --chart FILE.svg   their step curves overlaid, one colour each`;

const Id = z.string().transform((text, ctx) => {
  const id = Number(text.replace(/^#/, ''));
  if (Number.isSafeInteger(id) && id > 0) return id;
  ctx.addIssue({ code: 'custom', message: `an experiment id is a whole number like 12, got '${text}'` });
  return z.NEVER;
});

const Flags = z.object({
  db: dbFlag,
  chart: z
    .string()
    .regex(/\.svg$/i, { message: '--chart must name an .svg file' })
    .optional(),
  positionals: z.array(Id).min(2, { message: 'give at least two experiment ids to compare' }),
});

const spec = {
  name: 'compare',
  usage: USAGE,
  schema: Flags,
  allowPositionals: true,
  options: { db: QUERY_OPTIONS.db, chart: { type: 'string' } },
} as const;

export async function compareCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void stdout.write(`${USAGE}\n`), 0);
  const sink = stdoutSink(stdout);
  const db = openLogReadOnly(flags.db);
  try {
    const c = comparison(db, flags.positionals);
    if (flags.chart !== undefined) {
      const name = c.stepMetric;
      if (name === null)
        throw new UserError(`no step metric is logged by every one of ${flags.positionals.map((id) => `#${id}`).join(', ')}: no curves to draw`);
      const curves = c.experiments.map((e) => ({ label: `#${e.row.id} ${e.row.description}`, ...e.series.find((s) => s.name === name)! }));
      writeFile(flags.chart, compareChartSvg(`${name} by step: ${curves.map((k) => k.label.split(' ')[0]).join(' vs ')}`, name, curves));
    }
    sink.write(compareText(c, await compareDiffs(c.experiments.map((e) => e.row)), sink.terminal, sink.render));
    if (flags.chart !== undefined) process.stderr.write(`nightshift: curves of ${c.stepMetric} written to ${flags.chart}\n`);
    return 0;
  } finally {
    db.close();
  }
}
