/** Flags shared by the commands that read the log (log, show, sql, export, report). */
import { z } from 'zod';
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

/** `--status crashed,timeout`: one value or a comma-separated list, each checked against `allowed`. */
export function listFlag<T extends string>(name: string, allowed: readonly T[]) {
  return z.string().transform((text, ctx) => {
    const values = text
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    const bad = values.find((v) => !allowed.includes(v as T));
    if (bad === undefined && values.length > 0) return values as T[];
    ctx.addIssue({ code: 'custom', message: `--${name} takes ${allowed.join(', ')} (comma-separated), got '${bad ?? text}'` });
    return z.NEVER;
  });
}
