import { z } from 'zod';
import { plainTable, renderTable } from '../../query/format.ts';
import { defaultFormat, outputSink, type Stdout } from '../../query/output.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { readOnlyQuery } from '../../store/user-query.ts';
import { parseCommand } from '../args.ts';
import { dbFlag, QUERY_OPTIONS, TableFormatSchema } from '../query-flags.ts';
import { printableTable } from '../../text/printable.ts';

const USAGE = `usage: nightshift sql "SELECT …" [flags]

  --db FILE          the experiment log (default: experiments.db)
  --format F         table | tsv | csv | json | jsonl (default: table on a terminal, tsv when piped)
  --out FILE         write to FILE instead of stdout

Read-only: one statement that returns rows (SELECT, WITH, VALUES, EXPLAIN, reading PRAGMAs).
Tables: sessions, experiments, metrics (see the README's "Querying the log").`;

const Flags = z
  .object({
    db: dbFlag,
    format: TableFormatSchema.optional(),
    out: z.string().optional(),
    positionals: z.array(z.string()),
  })
  .refine((f) => f.positionals.length === 1, { message: 'give exactly one query, in quotes' });

const { db: dbOption, format, out } = QUERY_OPTIONS;
const spec = { name: 'sql', usage: USAGE, schema: Flags, allowPositionals: true, options: { db: dbOption, format, out } } as const;

export async function sqlCommand(argv: string[], stdout: Stdout = process.stdout): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void stdout.write(`${USAGE}\n`), 0);
  const sink = outputSink(flags.out, stdout);
  const db = openLogReadOnly(flags.db);
  try {
    // Shown as SQLite returns them: a user's column named like one of ours may mean something else.
    const table = plainTable(readOnlyQuery(db, flags.positionals[0]!));
    const format = defaultFormat(flags.format, sink);
    // Descriptions, reasons and final lines come from runs and proposers: no escape sequence of theirs is printed.
    sink.write(renderTable(printableTable(table, format), format, sink.render));
    return 0;
  } finally {
    db.close();
  }
}
