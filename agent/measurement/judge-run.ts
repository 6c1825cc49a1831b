/**
 * What follows a training run however it was started (directly by measure-run.ts, or through an
 * executor by measure-on-executor.ts): for a sealed or separate session the evaluation, then the
 * rules nightshift checks itself, giving the run's outcome. One place, so both paths judge alike.
 */
import fs from 'node:fs';
import { runEvaluation, type EvaluationResult } from '../runner/evaluation.ts';
import { finalNumber, floorNames, peakMemoryMb } from '../runner/final-fields.ts';
import type { TrainingResult } from '../runner/run-training.ts';
import type { RunOutcome } from '../store/experiments.ts';
import type { PlanStore } from '../store/plans.ts';
import type { ExperimentRow } from '../store/types.ts';
import { prepareEvaluationFolder } from './evaluation-files.ts';
import { recordPlan, shortenPlan, stoppedShort } from './plan-record.ts';
import { evaluationRequest, type MeasuredSession, type RunTree, runFolders } from './run-request.ts';
import { beyondFloor, changedDuringRun, overBudget, repeatedFinal, seedIgnored } from './rules.ts';
import { changedSince, type TreeState } from './untouched.ts';

export type Measured = { interrupted: true; reason: string; runS: number } | { interrupted: false; outcome: RunOutcome };

/** A training run that ended (not interrupted), and what judging it needs. */
export interface Judged {
  opened: MeasuredSession;
  plans: PlanStore;
  row: ExperimentRow;
  /** Where it trained; `before` is that tree's state right before the run started. */
  tree: RunTree;
  before: TreeState;
  /** The configuration hash its step plan is recorded under (measure-run.ts configurationHash). */
  config: string;
  training: TrainingResult;
  signal: AbortSignal | undefined;
  /** The session's rows when the run ends, for the seed rule. */
  rows: () => readonly ExperimentRow[];
}

export async function judgeRun(judged: Judged): Promise<Measured> {
  const { opened, plans, row, tree, before, config, training, signal, rows } = judged;
  const { session, sandbox, options } = opened;
  const editable = sandbox.config.editable;
  // A training run that already broke the tree is not worth evaluating: the verdict is invalid either way.
  const trainingChanged = changedSince(tree.dir, editable, before);
  if (training.status === 'done' && training.final) {
    recordPlan(plans, session.id, config, options.budgetS, training.final, row.id);
    // Not evaluated: the run is measured again on the plan it could finish (a run that broke the tree stays invalid).
    const shortened = trainingChanged.length === 0 && shortenPlan(plans, session.id, config, options.budgetS, training.final, row.id);
    if (shortened) return { interrupted: true, reason: shortened, runS: training.runS };
  }
  const evaluate = training.status === 'done' && session.seal !== 'self-reported' && trainingChanged.length === 0;
  const evaluation = evaluate ? await evaluateRun(opened, row, tree, signal) : null;
  if (evaluation?.status === 'interrupted') return { interrupted: true, reason: evaluation.reason ?? 'interrupted', runS: training.runS };

  const outcome: RunOutcome = {
    status: training.status,
    metric: training.metric,
    final_json: training.final ? JSON.stringify(training.final) : null,
    backend: training.backend,
    exit_code: training.exitCode,
    signal: training.signal,
    run_s: training.runS,
    reason: training.reason,
    eval_json: evaluation?.final ? JSON.stringify(evaluation.final) : null,
    eval_s: evaluation?.runS ?? null,
    peak_mem_mb: training.final ? peakMemoryMb(training.final) : null,
  };
  if (evaluation) Object.assign(outcome, { status: evaluation.status, metric: evaluation.metric, reason: evaluation.reason ?? training.reason });
  const notes = [
    training.final ? stoppedShort(training.final) : null,
    training.cutLines > 0 ? `${training.cutLines} output line${training.cutLines === 1 ? '' : 's'} over the line cap cut` : null,
    training.stepsDropped > 0 ? `${training.stepsDropped} step lines past the cap not stored` : null,
  ].filter((x) => x !== null);
  if (notes.length > 0) outcome.reason = [outcome.reason, notes.join('; ')].filter((x) => x).join('; ');
  const changed = evaluation ? changedSince(tree.dir, editable, before) : trainingChanged;
  const broken = brokenRule(opened, row, training, evaluation, changed, outcome, rows);
  if (broken) Object.assign(outcome, { status: 'invalid', metric: null, reason: broken });
  return { interrupted: false, outcome };
}

async function evaluateRun(opened: MeasuredSession, row: ExperimentRow, tree: RunTree, signal: AbortSignal | undefined): Promise<EvaluationResult> {
  const { evaluationDir } = runFolders(opened, row);
  // The modules the tree was made with, never what its link points to now: the run may have moved it.
  const changed = prepareEvaluationFolder(opened.evaluation!.snapshot, opened.evaluation!.hashes, evaluationDir, tree.modules);
  if (changed.length > 0) {
    return {
      status: 'invalid',
      metric: null,
      final: null,
      floor: null,
      runS: 0,
      requests: 0,
      reason: `the evaluation's ${changed.join(', ')} changed since the session began`,
    };
  }
  try {
    return await runEvaluation(evaluationRequest(opened, row, signal ?? new AbortController().signal, tree));
  } finally {
    fs.rmSync(evaluationDir, { recursive: true, force: true });
  }
}

/** The first rule of the measurement the run broke, in the order a reader needs to hear it. */
function brokenRule(
  opened: MeasuredSession,
  row: ExperimentRow,
  training: TrainingResult,
  evaluation: EvaluationResult | null,
  changed: string[],
  outcome: RunOutcome,
  rows: () => readonly ExperimentRow[],
): string | null {
  const { session, options } = opened;
  const floor = evaluation ? evaluation.floor : finalNumber(training.final ?? {}, 'floor', ...floorNames(session.metric));
  return (
    changedDuringRun(changed) ??
    repeatedFinal(training.finalLines, 'training') ??
    (training.status === 'done' ? overBudget(training.runS, options.budgetS) : null) ??
    (outcome.status === 'done' && outcome.metric !== null
      ? (beyondFloor(session.metric, outcome.metric, floor, session.goal) ?? seedIgnored(session.metric, outcome.metric, row, rows()))
      : null)
  );
}
