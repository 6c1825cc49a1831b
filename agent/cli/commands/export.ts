import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { autoresearchTsv } from '../../query/autoresearch-tsv.ts';
import { plainTable, renderTable, TABLE_FORMATS } from '../../query/format.ts';
import { outputSink, type Stdout } from '../../query/output.ts';
import { keptPatchSeries } from '../../query/patch-series.ts';
import { resolveSession, sessionScope } from '../../query/session-scope.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { experimentColumns } from '../../store/experiment-list.ts';
import { experimentsWithoutDiffs, keptExperiments } from '../../store/experiment-reads.ts';
import { parseCommand } from '../args.ts';
import { dbFlag, QUERY_OPTIONS, sessionFlag } from '../query-flags.ts';

const FORMATS = [...TABLE_FORMATS.filter((f) => f !== 'table'), 'autoresearch-tsv', 'patch'] as const;

const USAGE = `usage: nightshift export --format F [flags]

  --format F         ${FORMATS.join(' | ')}
                     csv, tsv, json, jsonl: every column of the experiments table
                     autoresearch-tsv: autoresearch's results.tsv (commit, val_bpb, memory_gb, status, description)
                     patch: the kept changes as a git patch series against the baseline (git apply / git am)
  --db FILE          the experiment log (default: experiments.db)
  --session ID       this session (default: the latest run with experiments)
  --all              every session (csv, tsv, json, jsonl only)
  --out FILE         write to FILE instead of stdout`;

const Flags = z.object({
  db: dbFlag,
  session: sessionFlag,
  all: z.boolean().default(false),
  format: z.enum(FORMATS, { message: `--format must be one of ${FORMATS.join(', ')}` }),
  out: z.string().optional(),
});

const spec = { name: 'export', usage: USAGE, schema: Flags, options: QUERY_OPTIONS } as const;

export async function exportCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void stdout.write(`${USAGE}\n`), 0);
  const { format } = flags;
  if (flags.all && (format === 'autoresearch-tsv' || format === 'patch'))
    throw new UserError(`--format ${format} is about one session: use --session ID instead of --all`);
  const sink = outputSink(flags.out, stdout);
  const db = openLogReadOnly(flags.db);
  try {
    if (format === 'autoresearch-tsv' || format === 'patch') {
      const session = resolveSession(db, flags.db, flags.session);
      if (format === 'autoresearch-tsv') sink.write(autoresearchTsv(session, experimentsWithoutDiffs(db, session.id)));
      else {
        const kept = keptExperiments(db, session.id);
        if (kept.length === 0) process.stderr.write(`nightshift: session ${session.id} kept no change; the patch is empty\n`);
        sink.write(keptPatchSeries(session, kept));
      }
    } else sink.write(renderTable(plainTable(experimentColumns(db, sessionScope(db, flags.db, flags))), format));
    return 0;
  } finally {
    db.close();
  }
}
