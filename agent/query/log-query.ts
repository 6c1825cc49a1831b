import type { Db } from '../store/db.ts';
import { experimentList, type LogFilter } from '../store/experiment-list.ts';
import { num } from '../format/numbers.ts';
import { column } from './columns.ts';
import type { Column, Table } from './format.ts';

/** What `--sort best` ranks by: a candidate's mean over its runs, a baseline's over its commit's. */
const MEAN: Column = { name: 'mean', display: (v) => num(typeof v === 'number' ? v : null, 5) };

/** The experiments of `nightshift log`, each column shown the way a person reads it. */
export function logTable(db: Db, filter: LogFilter): Table {
  const { columns, rows } = experimentList(db, filter);
  return { columns: columns.map((name) => (name === 'mean' ? MEAN : column(name))), rows };
}
