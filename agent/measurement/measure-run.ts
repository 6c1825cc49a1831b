/**
 * One measured run (docs/design.md, "One run"): training, then for a sealed or separate session
 * the evaluation, then the rules nightshift checks itself (judge-run.ts). The metric of a sealed
 * run comes only from the evaluation's final line; the training's final line is kept as facts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runTraining, type TrainingRequest } from '../runner/run-training.ts';
import type { PlanStore } from '../store/plans.ts';
import type { ExperimentRow } from '../store/types.ts';
import { judgeRun, type Measured } from './judge-run.ts';
import { cacheEnvironment, trainingRequest, type MeasuredSession, type RunTree } from './run-request.ts';
import { compileForRun } from './compiled-ts.ts';
import { prepareCache } from './session-cache.ts';
import { treeState } from './untouched.ts';
import { plansForRun } from './plan-record.ts';

export type { Measured } from './judge-run.ts';

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
  /** Where the run trains: the session's workspace unless given (a run's checkout). */
  tree: RunTree = opened.workspace,
): Promise<Measured> {
  const { sandbox, session, options } = opened;
  const editable = sandbox.config.editable;
  const before = treeState(tree.dir, editable);
  const config = configurationHash(tree.dir, editable);
  await prepareCache(opened, cacheEnvironment(opened));
  await compileForRun(opened, tree);
  const request = trainingRequest(opened, row, hooks, plansForRun(plans, session.id, config, options.budgetS), tree);
  await onStart(request);
  const training = await runTraining(request);
  if (training.status === 'interrupted') return { interrupted: true, reason: training.reason ?? 'interrupted', runS: training.runS };
  return judgeRun({ opened, plans, row, tree, before, config, training, signal: hooks.signal, rows });
}
