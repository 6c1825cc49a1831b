import { clockTime, span } from '../../../format/time.ts';
import { perRunEstimate } from '../../../session/run-pace.ts';
import { decidedCount, finishedCount, isFinished } from '../../../session/kinds.ts';
import type { ExperimentRow } from '../../../store/types.ts';

/** Finished runs the pace is measured over: recent enough to follow a change of slots or of step time. */
const PACE_RUNS = 20;

/** The session's limits as the context states them (the session's options have these fields; proposers do not depend on the loop). */
export interface SessionLimits {
  budgetS: number;
  graceS: number;
  deadline?: string | null;
  maxRuns?: number | null;
  maxExperiments: number | null;
}

/** What the Claude proposer reads of the session's options: its limits, and the runs an ablation gets. */
export type ClaudeSessionOptions = SessionLimits & { ablationRuns: number };

/**
 * Runs per hour lately: the last finished runs over the time they took to finish one after
 * another (so parallel slots and the time spent proposing count); before two have finished, one
 * run per budget and grace.
 */
export function runsPerHour(rows: readonly ExperimentRow[], limits: SessionLimits): number {
  const ends = rows
    .filter((e) => isFinished(e) && e.ended_at !== null)
    .map((e) => Date.parse(e.ended_at!))
    .sort((a, b) => a - b)
    .slice(-PACE_RUNS);
  const hours = ends.length > 1 ? (ends.at(-1)! - ends[0]!) / 3_600_000 : 0;
  if (hours > 0) return (ends.length - 1) / hours;
  return 3600 / perRunEstimate(rows, limits).seconds;
}

/**
 * The session's budget in one line: time left, runs per hour, and the runs (and decisions) left
 * under each limit, so the model can tell a night with room for bold ideas from its last hour.
 */
export function sessionLine(rows: readonly ExperimentRow[], limits: SessionLimits, now: number): string {
  const pace = runsPerHour(rows, limits);
  const parts = [`${pace.toFixed(1)} runs per hour lately`];
  const left: string[] = [];
  if (limits.deadline) {
    const leftS = Math.max(0, (Date.parse(limits.deadline) - now) / 1000);
    parts.unshift(`${span(leftS)} left (until ${clockTime(limits.deadline)})`);
    left.push(`about ${Math.floor((leftS / 3600) * pace)} before the deadline`);
  }
  if (limits.maxRuns != null) left.push(`${Math.max(0, limits.maxRuns - finishedCount(rows))} under --max-runs`);
  if (left.length > 0) parts.push(`runs left: ${left.join(', ')}`);
  if (limits.maxExperiments !== null) parts.push(`decisions left under --max-experiments: ${Math.max(0, limits.maxExperiments - decidedCount(rows))}`);
  if (!limits.deadline && limits.maxRuns == null && limits.maxExperiments === null) parts.unshift('no limit on time or runs');
  return `Session: ${parts.join('; ')}.`;
}
