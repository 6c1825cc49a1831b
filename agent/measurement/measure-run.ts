/**
 * One measured run (docs/design.md, "One run"): training, then for a sealed or separate session
 * the evaluation, then the rules nightshift checks itself. The metric of a sealed run comes only
 * from the evaluation's final line; the training's final line is kept as facts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { finalNumber, floorNames } from '../runner/final-fields.ts';
import { runEvaluation, type EvaluationResult } from '../runner/evaluation.ts';
import { runTraining, type TrainingRequest, type TrainingResult } from '../runner/run-training.ts';
import type { RunOutcome } from '../store/experiments.ts';
import type { PlanStore } from '../store/plans.ts';
import type { ExperimentRow } from '../store/types.ts';
import { prepareEvaluationFolder } from './evaluation-files.ts';
import { evaluationRequest, runFolders, trainingRequest, type MeasuredSession } from './run-request.ts';
import { beyondFloor, changedDuringRun, overBudget, repeatedFinal, seedIgnored } from './rules.ts';
import { changedSince, treeState } from './untouched.ts';

export type Measured = { interrupted: true; reason: string; runS: number } | { interrupted: false; outcome: RunOutcome };

/** Which configuration a run trains: its editable files' bytes. Runs of one configuration share a step plan. */
export function configurationHash(dir: string, editable: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of [...editable].sort()) {
    const full = path.join(dir, file);
    hash.update(`${file}\0${fs.existsSync(full) ? fs.readFileSync(full).toString('base64') : 'missing'}\0`);
  }
  return hash.digest('hex');
}

export async function measureRun(
  opened: MeasuredSession,
  plans: PlanStore,
  row: ExperimentRow,
  hooks: Pick<TrainingRequest, 'signal' | 'onSpawn' | 'onStep'>,
  /** The session's rows when the run ends, for the seed rule. */
  rows: () => readonly ExperimentRow[],
  /** Called with the training request before it starts (the log path, for the started event). */
  onStart: (request: TrainingRequest) => Promise<void> | void,
): Promise<Measured> {
  const { workspace, sandbox, session, options } = opened;
  const editable = sandbox.config.editable;
  const before = treeState(workspace.dir, editable);
  const config = configurationHash(workspace.dir, editable);
  const request = trainingRequest(opened, row, hooks, plans.steps(session.id, config, options.budgetS));
  await onStart(request);
  const training = await runTraining(request);
  if (training.status === 'interrupted') return { interrupted: true, reason: training.reason ?? 'interrupted', runS: training.runS };

  // A training run that already broke the tree is not worth evaluating: the verdict is invalid either way.
  const trainingChanged = changedSince(workspace.dir, editable, before);
  const evaluate = training.status === 'done' && session.seal !== 'self-reported' && trainingChanged.length === 0;
  const evaluation = evaluate ? await evaluateRun(opened, row, hooks.signal) : null;
  if (evaluation?.status === 'interrupted') return { interrupted: true, reason: evaluation.reason ?? 'interrupted', runS: training.runS };
  const planned = finalNumber(training.final ?? {}, 'planned_steps');
  if (training.status === 'done' && planned !== null && Number.isInteger(planned) && planned > 0)
    plans.record(session.id, config, options.budgetS, planned, row.id);

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
  };
  if (evaluation) Object.assign(outcome, { status: evaluation.status, metric: evaluation.metric, reason: evaluation.reason ?? training.reason });
  const dropped = [
    training.cutLines > 0 ? `${training.cutLines} output line${training.cutLines === 1 ? '' : 's'} over the line cap cut` : null,
    training.stepsDropped > 0 ? `${training.stepsDropped} step lines past the cap not stored` : null,
  ].filter((x) => x !== null);
  if (dropped.length > 0) outcome.reason = [outcome.reason, dropped.join('; ')].filter((x) => x).join('; ');
  const changed = evaluation ? changedSince(workspace.dir, editable, before) : trainingChanged;
  const broken = brokenRule(opened, row, training, evaluation, changed, outcome, rows);
  if (broken) Object.assign(outcome, { status: 'invalid', metric: null, reason: broken });
  return { interrupted: false, outcome };
}

async function evaluateRun(opened: MeasuredSession, row: ExperimentRow, signal: AbortSignal | undefined): Promise<EvaluationResult> {
  const { evaluationDir } = runFolders(opened, row);
  // The modules the workspace was made with, never what its link points to now: the run may have moved it.
  const changed = prepareEvaluationFolder(opened.evaluation!.snapshot, opened.evaluation!.hashes, evaluationDir, opened.workspace.modules);
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
    return await runEvaluation(evaluationRequest(opened, row, signal ?? new AbortController().signal));
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
