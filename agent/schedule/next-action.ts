import { freshSeed } from '../decide/seeds.ts';
import type { Decision, DecisionPolicy, Goal } from '../decide/types.ts';
import { candidatesOn, headMeasurements, headRunCount, revertsOn } from '../session/baseline.ts';
import { failedRunOf } from '../session/candidates.ts';
import { decisionInput } from '../session/decision-input.ts';
import { isFinished, isHeadRun } from '../session/kinds.ts';
import type { DecisionRecord } from '../store/experiments.ts';
import type { ExperimentRow } from '../store/types.ts';
import { decisionsSinceControl, interruptedCandidate, pendingCandidate } from './state.ts';

/**
 * The sequential rule: what comes next, read from the session's rows alone. The loop runs it one
 * step at a time; the parallel schedule (plan.ts) replays it over the runs that have come back,
 * so both decide by exactly this rule and there is one copy of it.
 */

/** What the rule needs beside the rows: where the session stands and its settings. */
export interface Rule {
  head: string;
  baselineCommit: string;
  goal: Goal;
  baselineRuns: number;
  controlEvery: number;
  policy: DecisionPolicy;
}

/** A verdict: the rule's keep or revert, or a revert the rule never saw (a failed run, a design point). */
export type Verdict = Exclude<Decision, { verdict: 'confirm' }> | { verdict: 'revert'; reason: string; stats: null };

export type Action =
  /** An interrupted candidate, re-run first with its own seed. */
  | { type: 'rerun'; interrupted: ExperimentRow }
  /** A run of the last kept state: the initial baseline, or a control (new baseline, top-up, periodic). */
  | { type: 'head'; kind: 'baseline' | 'control'; seed: number; description: string }
  | { type: 'stop'; reason: string }
  | { type: 'verdict'; candidate: ExperimentRow; decision: Verdict }
  | { type: 'confirm'; candidate: ExperimentRow; seed: number; reason: string }
  /** A new candidate: it screens on `screenSeed`, or on `designSeed` when it is a design point. */
  | { type: 'propose'; screenSeed: number; designSeed: number };

export function nextAction(rows: readonly ExperimentRow[], rule: Rule): Action {
  const { head, baselineRuns, policy } = rule;
  const retry = interruptedCandidate(rows);
  if (retry) return { type: 'rerun', interrupted: retry };

  // The last kept state is measured over several seeds before anything is compared with it:
  // at the start (the baseline), and after each keep (controls with fresh seeds).
  const measured = headRunCount(rows, head);
  if (measured < baselineRuns) {
    if (head === rule.baselineCommit) {
      const seed = policy.baselineSeeds(baselineRuns)[measured]!;
      return { type: 'head', kind: 'baseline', seed, description: `baseline, seed ${seed}` };
    }
    return control('measure the new baseline', rows);
  }
  if (headMeasurements(rows, head).length === 0) {
    const last = rows.findLast((e) => isHeadRun(e) && isFinished(e));
    return { type: 'stop', reason: `every baseline run failed (last: ${last?.status}: ${last?.reason ?? 'no reason'})` };
  }

  const pending = pendingCandidate(rows);
  if (pending) return advance(rows, rule, pending);

  // A baseline that keeps turning candidates down gets more runs (see the policy's headRuns).
  const reverts = revertsOn(rows, head);
  if (measured < policy.headRuns(baselineRuns, reverts)) {
    return control(`top up the baseline after ${reverts} ${reverts === 1 ? 'revert' : 'reverts'}`, rows);
  }
  if (rule.controlEvery > 0 && decisionsSinceControl(rows) >= rule.controlEvery) return control('re-measure the baseline', rows);
  return {
    type: 'propose',
    screenSeed: policy.screenSeed({ baseline: headMeasurements(rows, head), index: candidatesOn(rows, head) }),
    // A design point gets a seed no run has used, so the design's seeds are spread over its points (docs/design.md, "Designs").
    designSeed: freshSeed(rows),
  };
}

/** A control run on a seed no run has used (a repeated seed repeats the value), saying why it runs. */
function control(why: string, rows: readonly ExperimentRow[]): Action {
  const seed = freshSeed(rows);
  return { type: 'head', kind: 'control', seed, description: `control: ${why}, seed ${seed}` };
}

/** One more step for a candidate awaiting its verdict: a confirmation run, or the verdict. */
function advance(rows: readonly ExperimentRow[], rule: Rule, candidate: ExperimentRow): Action {
  const failed = failedRunOf(rows, candidate);
  if (failed) {
    const which = failed.id === candidate.id ? 'its run' : `confirmation run ${failed.id}`;
    const reason = `reverted: ${which} ${failed.status}${failed.reason ? ` (${failed.reason})` : ''}`;
    return { type: 'verdict', candidate, decision: { verdict: 'revert', reason, stats: null } };
  }
  if (candidate.design !== null) {
    const reason = `${candidate.description.split(':')[0]}: measured for the ${candidate.design} analysis, not a keep candidate`;
    return { type: 'verdict', candidate, decision: { verdict: 'revert', reason, stats: null } };
  }
  const input = decisionInput(rows, rule.head, rule.goal, candidate);
  if (input.baseline.length === 0) {
    // Only where runs landed on GPUs of another model than any baseline run (comparableRuns).
    const reason = `reverted: no run of the baseline is on its GPU model (${candidate.gpu_model}), so it cannot be compared`;
    return { type: 'verdict', candidate, decision: { verdict: 'revert', reason, stats: null } };
  }
  const decision = rule.policy.decide(input);
  if (decision.verdict === 'confirm') return { type: 'confirm', candidate, seed: decision.seed, reason: decision.reason };
  return { type: 'verdict', candidate, decision };
}

/** A verdict as its row records it (store/experiments.ts decided): the loop and the schedule's tests write it alike. */
export function verdictRecord(decision: Verdict, commit: string | null): DecisionRecord {
  const stats = decision.stats;
  return {
    decision: decision.verdict,
    reason: decision.reason,
    delta: stats?.delta ?? null,
    noise_sd: stats?.sd ?? null,
    p_value: stats?.p ?? null,
    ci_low: stats?.ciLow ?? null,
    ci_high: stats?.ciHigh ?? null,
    n_runs: stats?.n ?? null,
    noise_json: stats?.noise ? JSON.stringify(stats.noise) : null,
    commit_sha: commit,
  };
}
