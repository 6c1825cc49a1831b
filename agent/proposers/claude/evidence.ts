import fs from 'node:fs';
import type { DecisionPolicy, Goal } from '../../decide/types.ts';
import type { ClaudeSessionOptions } from './context/session.ts';
import { tailLines } from '../../query/tail.ts';
import { keepBarNow } from '../../session/keep-bar.ts';
import type { Db } from '../../store/db.ts';
import { timedSeries, type StepSeries } from '../../store/metric-reads.ts';
import type { ExperimentRow } from '../../store/types.ts';
import { curveIds, type Evidence } from './context.ts';
import { latestFailures, TAIL_LINES } from './context/failures.ts';

/** Where the context's facts beyond the rows come from: the log's step metrics, the session's limits and its keep rule. */
export interface EvidenceSources {
  db: Db;
  options: ClaudeSessionOptions;
  /** The session's keep rule, for the bar a change must clear. */
  policy: DecisionPolicy;
}

/** Reads what describeState shows beside the rows: curves, failed runs' log tails, the keep bar, the limits. */
export function gatherEvidence(sources: EvidenceSources, rows: readonly ExperimentRow[], head: string, goal: Goal): Evidence {
  const curves = new Map<number, StepSeries[]>();
  for (const s of timedSeries(sources.db, curveIds(rows, head))) curves.set(s.experiment, [...(curves.get(s.experiment) ?? []), s]);
  const tails = new Map(latestFailures(rows).map((e) => [e.id, logTail(e.log_path)] as const));
  return { curves, tails, keepBar: keepBarNow(sources.policy, rows, head, goal), rule: sources.policy.name, limits: sources.options, now: Date.now() };
}

/** A run's last lines; none where it never started or its log is gone (the context says so). */
function logTail(file: string | null): string[] {
  if (file === null || !fs.existsSync(file)) return [];
  try {
    return tailLines(file, TAIL_LINES);
  } catch (error) {
    // An unreadable log (removed meanwhile, a folder, no permission) is shown as gone; a bug is not.
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    return [];
  }
}
