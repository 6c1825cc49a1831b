/** The experiments table as data: the filtered list of `nightshift log`, every column for `export`. */
import type { Db } from './db.ts';
import { rawTable, type RawTable } from './raw-table.ts';
import type { ExperimentKind, ExperimentStatus } from './types.ts';

export const SORT_KEYS = ['id', 'time', 'metric', 'delta', 'duration', 'best'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface LogFilter {
  /** null: every session. */
  sessionId: number | null;
  kept: boolean;
  statuses: readonly ExperimentStatus[];
  kinds: readonly ExperimentKind[];
  /** ISO instant: rows created at or after it. */
  since: string | null;
  sort: SortKey;
  reverse: boolean;
  limit: number | null;
}

// 'best' orders by the mean of what a run measured (BEST_ROWS), in each session's own direction; NULLs go last either way.
const ORDER: Record<SortKey, string> = {
  id: 'e.id',
  time: 'e.created_at',
  metric: 'e.metric',
  delta: 'e.delta',
  duration: 'e.run_s',
  best: "CASE s.goal WHEN 'minimize' THEN e.mean ELSE -e.mean END",
};

/**
 * `--sort best` ranks what was measured, never one run: a decided candidate's run by the
 * candidate's mean over its runs (its own and its confirmations), a baseline or control run by
 * the mean of every baseline and control run of its commit. So a lucky control run or a lucky
 * screen of a reverted change cannot come first. Runs without a metric, undecided candidates
 * and a factorial design's points (measured for the analysis, one run each, never candidates)
 * have no mean and go last.
 */
const GROUP = `CASE WHEN kind IN ('baseline', 'control') THEN 'commit ' || session_id || ' ' || base_commit
  ELSE 'candidate ' || CASE WHEN kind = 'confirm' THEN parent_id ELSE id END END`;
// One pass of window functions over the rows in scope: a sort, not a join per row (100,000 rows in
// about 0.15 s on a 2-core machine). Only the columns shown are carried: never the diffs.
const BEST_ROWS = (oneSession: boolean) => `(
  SELECT id, session_id, kind, status, decision, metric, delta, p_value, seed, run_s, peak_mem_mb, created_at, description, CASE
      WHEN status <> 'done' THEN NULL
      WHEN kind IN ('baseline', 'control') THEN avg(CASE WHEN status = 'done' THEN metric END) OVER groups
      WHEN max(CASE WHEN kind <> 'confirm' AND decision IN ('keep', 'revert') AND design IS NULL THEN 1 END) OVER groups = 1
        THEN avg(CASE WHEN status = 'done' THEN metric END) OVER groups
    END AS mean
  FROM experiments ${oneSession ? 'WHERE session_id = @session' : ''}
  WINDOW groups AS (PARTITION BY ${GROUP})
)`;

/**
 * The experiments of `nightshift log`, filtered and sorted in SQL (indexes do the work on big
 * logs): id, session (with every session), kind, status, decision, mean (sorted by best),
 * metric, delta, p, seed, run_s, peak_mem_mb (a run's peak memory, MiB), created_at, description.
 */
export function experimentList(db: Db, filter: LogFilter): RawTable {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.sessionId !== null) {
    where.push('e.session_id = @session');
    params.session = filter.sessionId;
  }
  if (filter.kept) where.push(`e.decision = 'keep'`);
  if (filter.statuses.length > 0) where.push(`e.status IN (${list('status', filter.statuses, params)})`);
  if (filter.kinds.length > 0) where.push(`e.kind IN (${list('kind', filter.kinds, params)})`);
  if (filter.since !== null) {
    // Ids grow with created_at, so the bound is also a primary-key range that SQLite reads in
    // order; without statistics it would rather scan the table, hence INDEXED BY for the min.
    where.push('e.id >= (SELECT min(id) FROM experiments INDEXED BY experiments_created WHERE created_at >= @since) AND e.created_at >= @since');
    params.since = filter.since;
  }
  const key = ORDER[filter.sort];
  const direction = filter.reverse ? 'DESC' : 'ASC';
  // id and time are never NULL; leaving out the NULLs-last term lets SQLite read them in index order.
  const order =
    filter.sort === 'id' || filter.sort === 'time' ? `${key} ${direction}, e.id ${direction}` : `(${key}) IS NULL, ${key} ${direction}, e.id ${direction}`;
  const best = filter.sort === 'best';
  const sql = `
    SELECT e.id, ${filter.sessionId === null ? 'e.session_id AS session,' : ''} e.kind, e.status, e.decision,
           ${best ? 'e.mean,' : ''} e.metric, e.delta, e.p_value AS p, e.seed, e.run_s, e.peak_mem_mb, e.created_at, e.description
    FROM ${best ? `${BEST_ROWS(filter.sessionId !== null)} e JOIN sessions s ON s.id = e.session_id` : 'experiments e'}
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${order}
    ${filter.limit !== null ? `LIMIT ${filter.limit}` : ''}`;
  return rawTable(db.prepare(sql), params);
}

function list(prefix: string, values: readonly string[], params: Record<string, unknown>): string {
  return values
    .map((v, i) => {
      params[`${prefix}${i}`] = v;
      return `@${prefix}${i}`;
    })
    .join(', ');
}

/** Every column of the experiments of one session (or all, sessionId null), oldest first. */
export function experimentColumns(db: Db, sessionId: number | null): RawTable {
  const stmt = db.prepare(`SELECT * FROM experiments ${sessionId === null ? '' : 'WHERE session_id = ?'} ORDER BY id`);
  return sessionId === null ? rawTable(stmt) : rawTable(stmt, sessionId);
}
