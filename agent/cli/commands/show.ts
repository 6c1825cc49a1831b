import fs from 'node:fs';
import { printable } from '../../text/printable.ts';
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { experimentDetail } from '../../query/experiment-detail.ts';
import { curvesSvg } from '../../report/curves-svg.ts';
import { readCurves } from '../../report/read-curves.ts';
import { writeChart } from '../../report/write-chart.ts';
import { stdoutSink, type Stdout } from '../../query/output.ts';
import { showText } from '../../query/show-text.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { flagNumber, parseCommand } from '../args.ts';
import { dbFlag, QUERY_OPTIONS } from '../query-flags.ts';

const USAGE = `usage: nightshift show ID [flags]

  --db FILE          the experiment log (default: experiments.db)
  --log              print the run's whole log file instead
  --tail N           lines of the log shown at the end (default: 15)
  --chart FILE.svg   write the learning curves: each step metric of the runs by step and by
                     time, over the baseline's mean and ± SD band (and FILE.png where it can)`;

const Flags = z
  .object({
    db: dbFlag,
    log: z.boolean().default(false),
    tail: flagNumber('tail', z, { int: true, min: 0 }).default(15),
    chart: z
      .string()
      .regex(/\.svg$/i, { message: '--chart must name an .svg file' })
      .optional(),
    positionals: z.array(z.string()),
  })
  .refine((f) => f.positionals.length === 1, { message: 'give one experiment id' })
  .transform((f, ctx) => {
    const id = Number(f.positionals[0]!.replace(/^#/, ''));
    if (Number.isSafeInteger(id) && id > 0) return { ...f, id };
    ctx.addIssue({ code: 'custom', message: `an experiment id is a whole number like 12, got '${f.positionals[0]}'` });
    return z.NEVER;
  });

const spec = {
  name: 'show',
  usage: USAGE,
  schema: Flags,
  allowPositionals: true,
  options: { db: QUERY_OPTIONS.db, log: { type: 'boolean' }, tail: { type: 'string' }, chart: { type: 'string' } },
} as const;

export async function showCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void stdout.write(`${USAGE}\n`), 0);
  const sink = stdoutSink(stdout);
  const db = openLogReadOnly(flags.db);
  try {
    const detail = experimentDetail(db, flags.id);
    if (flags.log) {
      const file = detail.experiment.log_path;
      if (!file) throw new UserError(`experiment ${flags.id} has no log: it never started`);
      if (!fs.existsSync(file)) throw new UserError(`the log of experiment ${flags.id} is gone (${file})`);
      // The run wrote this file: no escape sequence of its own reaches the terminal.
      sink.write(printable(fs.readFileSync(file, 'utf8')));
    } else sink.write(showText(detail, { paint: sink.render.paint, tail: flags.tail }));
    if (flags.chart !== undefined) {
      const written = await writeChart(flags.chart, curvesSvg(readCurves(db, detail.experiment, detail.runs)));
      sink.write(`learning curves: ${written.svg}${written.png ? `, ${written.png}` : ''}\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}
