/**
 * What the dashboard reads from a session's row beyond its columns: the options it was started
 * with (its limits and pace) and the plan it printed. Both are JSON the agent wrote; a log
 * written by hand or by an older nightshift reads as having none.
 */
import type { PlanEvent } from '../../loop/events.ts';
import { defaultGrace, type SessionOptions } from '../../loop/options.ts';
import type { SessionRow } from '../../store/types.ts';

export interface StoredOptions {
  maxRuns: number | null;
  deadline: string | null;
  /** What a run takes until one has been measured: budget + grace. */
  budgetS: number;
  graceS: number;
}

export function storedOptions(session: SessionRow): StoredOptions {
  const options = parse<Partial<SessionOptions>>(session.options_json) ?? {};
  const budgetS = options.budgetS ?? session.budget_s;
  return { maxRuns: options.maxRuns ?? null, deadline: options.deadline ?? null, budgetS, graceS: options.graceS ?? defaultGrace(budgetS) };
}

export function storedPlan(session: SessionRow): PlanEvent | null {
  const plan = parse<PlanEvent>(session.plan_json ?? null);
  return plan !== null && Array.isArray(plan.phases) ? plan : null;
}

function parse<T>(json: string | null): T | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? (value as T) : null;
  } catch (error) {
    // Only malformed JSON reads as none; anything else is a bug to see.
    if (!(error instanceof SyntaxError)) throw error;
    return null;
  }
}
