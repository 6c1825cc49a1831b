import type { PlanPhase } from '../proposers/plan-estimate.ts';
import type { Proposer } from '../proposers/types.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { PlanEvent } from './events.ts';
import { perRunEstimate } from '../session/run-pace.ts';
import type { OpenedSession } from './session-setup.ts';

/**
 * The plan a session prints as it starts: the baseline (the loop's own phase), then the
 * proposer's phases, timed at this session's pace, and the limits in force.
 */
export function sessionPlan(opened: OpenedSession, proposer: Proposer, rows: readonly ExperimentRow[], now: number): PlanEvent {
  const { options } = opened;
  const proposed: PlanPhase[] = proposer.plan?.({ workspace: opened.workspace, sandbox: opened.sandbox.config }) ?? [
    { name: `${proposer.name} proposals`, runs: null },
  ];
  const phases: PlanPhase[] = [{ name: 'baseline', runs: options.baselineRuns }, ...proposed];
  const perRun = perRunEstimate(rows, options);
  const runs = phases.reduce((n, p) => n + (p.runs ?? 0), 0);
  const deadline = options.deadline ? { at: options.deadline, leftS: Math.max(0, (Date.parse(options.deadline) - now) / 1000) } : null;
  return {
    type: 'plan',
    phases,
    perRunS: perRun.seconds,
    perRunMeasured: perRun.measured,
    estimateS: runs * perRun.seconds,
    limits: { maxExperiments: options.maxExperiments, maxRuns: options.maxRuns ?? null, deadline },
  };
}
