/**
 * A run's step plan as its final line states it, stored, and handed back to later runs (docs/design.md,
 * "Step plan"): planned_steps per configuration and per shape (plan_shape), and plan_lead, the
 * provisional plan the configuration's first run began on (the helpers' StepPlan lead-in). Later
 * runs replay the lead-in too, so the same seed gives the same numbers. Leads are kept in the plans
 * table beside the plans: `lead:CONFIG`, and `shape:KEY~lead`, which reaches the script inside
 * NIGHTSHIFT_SHAPE_STEPS next to KEY.
 */
import { finalNumber } from '../runner/final-fields.ts';
import { type PlanStore, type RunPlans, SHAPE } from '../store/plans.ts';

const LEAD = 'lead:';
/** A shape's lead is stored as the shape's key with this suffix (a character no shape key has). */
export const SHAPE_LEAD = '~lead';
/** A final line's plan_shape: a short key, never text that could grow the log or the environment without end. */
const SHAPE_KEY = /^[\w.-]{1,64}$/;

/** What a run is handed: RunPlans, and the lead of its configuration's plan. */
export interface PlansForRun extends RunPlans {
  lead: number | null;
}

export function plansForRun(plans: PlanStore, sessionId: number, config: string, budgetS: number): PlansForRun {
  return { ...plans.forRun(sessionId, config, budgetS), lead: plans.steps(sessionId, `${LEAD}${config}`, budgetS) };
}

type FinalLine = Record<string, unknown>;

const planNumber = (final: FinalLine, name: string): number | null => {
  const n = finalNumber(final, name);
  return n !== null && Number.isInteger(n) && n > 0 ? n : null;
};

const shapeKey = (final: FinalLine): string | null =>
  typeof final.plan_shape === 'string' && SHAPE_KEY.test(final.plan_shape) ? `${SHAPE}${final.plan_shape}` : null;

/** Records the plan a finished run's final line states; the first plan of a configuration or shape stands. */
export function recordPlan(plans: PlanStore, sessionId: number, config: string, budgetS: number, final: FinalLine, experimentId: number): void {
  const planned = planNumber(final, 'planned_steps');
  if (planned === null) return;
  const lead = planNumber(final, 'plan_lead');
  const shape = shapeKey(final);
  for (const key of [config, shape]) {
    if (key === null) continue;
    // The lead first: a plan is never handed out without the lead it was made with.
    if (lead !== null) plans.record(sessionId, key === config ? `${LEAD}${config}` : `${key}${SHAPE_LEAD}`, budgetS, lead, experimentId);
    plans.record(sessionId, key, budgetS, planned, experimentId);
  }
}

/**
 * A configuration's first run that its deadline stopped short of the plan it made (the machine
 * slowed after its lead-in): the plan becomes the steps it trained, so the later runs fit, and
 * the run is to be measured again, since its schedule was cut where theirs will not be. The
 * reason, or null when the run finished its plan or the plan was another run's (a replay stopped
 * short is recorded as it ran: shortening that plan would part it from the runs already made).
 * The lead stays: later runs replay the same lead-in, then spread the rest over the shorter plan.
 */
export function shortenPlan(plans: PlanStore, sessionId: number, config: string, budgetS: number, final: FinalLine, experimentId: number): string | null {
  const short = shortOfPlan(final);
  if (short === null) return null;
  const { steps, planned } = short;
  if (!plans.shorten(sessionId, config, budgetS, steps, experimentId)) return null;
  const shape = shapeKey(final);
  if (shape !== null) plans.shorten(sessionId, shape, budgetS, steps, experimentId);
  return `its deadline stopped it after ${steps} of the ${planned} steps it planned (the machine slowed after timing them): the plan is now ${steps} steps, and the run is measured again on it`;
}

/** A note for a run its deadline stopped short of a plan it did not make: it trained fewer steps than its configuration's other runs. */
export function stoppedShort(final: FinalLine): string | null {
  const short = shortOfPlan(final);
  return (
    short &&
    `its deadline stopped it after ${short.steps} of the ${short.planned} planned steps (the machine slowed), fewer than its configuration's other runs trained`
  );
}

/** The steps trained and planned, when the final line says the deadline stopped the run before its plan's end. */
function shortOfPlan(final: FinalLine): { steps: number; planned: number } | null {
  const steps = planNumber(final, 'steps');
  const planned = planNumber(final, 'planned_steps');
  return final.stopped === 'deadline' && steps !== null && planned !== null && steps < planned ? { steps, planned } : null;
}
