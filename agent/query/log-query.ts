import type { Db } from '../store/db.ts';
import { experimentList, type LogFilter } from '../store/experiment-list.ts';
import { column } from './columns.ts';
import type { Table } from './format.ts';

/** The experiments of `nightshift log`, each column shown the way a person reads it. */
export function logTable(db: Db, filter: LogFilter): Table {
  const { columns, rows } = experimentList(db, filter);
  return { columns: columns.map(column), rows };
}
