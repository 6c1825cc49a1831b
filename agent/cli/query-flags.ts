/** Flags shared by the commands that read the log (show, sql, export, report; log checks its own without zod, to start fast). */
import { z } from 'zod';
import { TABLE_FORMATS } from '../query/format.ts';
import { flagNumber } from './args.ts';

export const QUERY_OPTIONS = {
  db: { type: 'string' },
  session: { type: 'string' },
  all: { type: 'boolean' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

export const dbFlag = z.string().min(1).default('experiments.db');
export const sessionFlag = flagNumber('session', z, { int: true, min: 1 }).optional();
export const TableFormatSchema = z.enum(TABLE_FORMATS, { message: `--format must be one of ${TABLE_FORMATS.join(', ')}` });
