import { UserError } from '../../errors.ts';
import { logTable } from '../../query/log-query.ts';
import { renderTable, TABLE_FORMATS } from '../../query/format.ts';
import { defaultFormat, outputSink, type Stdout } from '../../query/output.ts';
import { sessionScope } from '../../query/session-scope.ts';
import { sinceInstant } from '../../query/since.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { SORT_KEYS } from '../../store/experiment-list.ts';
import { EXPERIMENT_KINDS, EXPERIMENT_STATUSES } from '../../store/types.ts';
import { listFlag, numberFlag, oneOfFlag, parseFlags } from '../args.ts';
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

// Checked by hand, not with zod (nor query-flags.ts, which builds zod schemas): loading zod is
// about 200 ms of CPU here, most of what `nightshift log` would take (bench/cli-startup.ts).
const spec = {
  name: 'log',
  usage: USAGE,
  options: {
    db: { type: 'string' },
    session: { type: 'string' },
    all: { type: 'boolean' },
    kept: { type: 'boolean' },
    status: { type: 'string' },
    kind: { type: 'string' },
    since: { type: 'string' },
    sort: { type: 'string' },
    reverse: { type: 'boolean' },
    limit: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
} as const;

function logFlags(argv: string[]) {
  const parsed = parseFlags(spec, argv);
  if (parsed === 'help') return 'help';
  const v = parsed.values;
  if (v.db === '') throw new UserError('--db must name a file');
  return {
    db: v.db ?? 'experiments.db',
    session: v.session === undefined ? undefined : numberFlag('session', v.session, { int: true, min: 1 }),
    all: v.all ?? false,
    kept: v.kept ?? false,
    status: v.status === undefined ? [] : listFlag('status', v.status, EXPERIMENT_STATUSES),
    kind: v.kind === undefined ? [] : listFlag('kind', v.kind, EXPERIMENT_KINDS),
    since: v.since === undefined ? undefined : sinceInstant(v.since),
    sort: v.sort === undefined ? 'id' : oneOfFlag('sort', v.sort, SORT_KEYS),
    reverse: v.reverse ?? false,
    limit: v.limit === undefined ? undefined : numberFlag('limit', v.limit, { int: true, min: 1 }),
    format: v.format === undefined ? undefined : oneOfFlag('format', v.format, TABLE_FORMATS),
    out: v.out,
  };
}

export async function logCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = logFlags(argv);
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
