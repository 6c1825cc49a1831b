import { z } from 'zod';
import { logTable } from '../../query/log-query.ts';
import { renderTable, TableFormatSchema } from '../../query/format.ts';
import { defaultFormat, outputSink, type Stdout } from '../../query/output.ts';
import { sessionScope } from '../../query/session-scope.ts';
import { sinceFlag } from '../../query/since.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { SORT_KEYS } from '../../store/experiment-list.ts';
import { EXPERIMENT_KINDS, EXPERIMENT_STATUSES } from '../../store/types.ts';
import { flagNumber, parseCommand } from '../args.ts';
import { dbFlag, listFlag, QUERY_OPTIONS, sessionFlag } from '../query-flags.ts';
import { printableTable } from '../../text/printable.ts';

const USAGE = `usage: nightshift log [flags]

  --db FILE          the experiment log (default: experiments.db)
  --session ID       this session (default: the latest run with experiments)
  --all              every session
  --kept             only kept changes
  --status S[,S]     ${EXPERIMENT_STATUSES.join(' | ')}
  --kind K[,K]       ${EXPERIMENT_KINDS.join(' | ')}
  --since WHEN       created in the last 30m, 2h, 1d… or since a date (2025-01-31T22:00)
  --sort KEY         ${SORT_KEYS.join(' | ')} (default: id; best = by the metric, best first)
  --reverse          the other way round
  --limit N          at most N rows
  --format F         table | tsv | csv | json | jsonl (default: table on a terminal, tsv when piped)
  --out FILE         write to FILE instead of stdout`;

const Flags = z.object({
  db: dbFlag,
  session: sessionFlag,
  all: z.boolean().default(false),
  kept: z.boolean().default(false),
  status: listFlag('status', EXPERIMENT_STATUSES).default([]),
  kind: listFlag('kind', EXPERIMENT_KINDS).default([]),
  since: sinceFlag().optional(),
  sort: z.enum(SORT_KEYS, { message: `--sort must be one of ${SORT_KEYS.join(', ')}` }).default('id'),
  reverse: z.boolean().default(false),
  limit: flagNumber('limit', z, { int: true, min: 1 }).optional(),
  format: TableFormatSchema.optional(),
  out: z.string().optional(),
});

const spec = {
  name: 'log',
  usage: USAGE,
  schema: Flags,
  options: {
    ...QUERY_OPTIONS,
    kept: { type: 'boolean' },
    status: { type: 'string' },
    kind: { type: 'string' },
    since: { type: 'string' },
    sort: { type: 'string' },
    reverse: { type: 'boolean' },
    limit: { type: 'string' },
  },
} as const;

export async function logCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void stdout.write(`${USAGE}\n`), 0);
  const sink = outputSink(flags.out, stdout);
  const db = openLogReadOnly(flags.db);
  try {
    const table = logTable(db, {
      sessionId: sessionScope(db, flags.db, flags),
      kept: flags.kept,
      statuses: flags.status,
      kinds: flags.kind,
      since: flags.since ?? null,
      sort: flags.sort,
      reverse: flags.reverse,
      limit: flags.limit ?? null,
    });
    const format = defaultFormat(flags.format, sink);
    // Descriptions, reasons and final lines come from runs and proposers: no escape sequence of theirs is printed.
    sink.write(renderTable(printableTable(table, format), format, sink.render));
    return 0;
  } finally {
    db.close();
  }
}
