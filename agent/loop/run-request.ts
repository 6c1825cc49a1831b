import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths.ts';
import { buildTrainingEnv } from '../runner/env.ts';
import { sandboxView } from '../runner/isolation/view.ts';
import type { TrainingRequest } from '../runner/run-training.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { OpenedSession } from './session-setup.ts';

/**
 * How one row's training process is started: its folders, environment, sandbox and limits.
 * Logs, artifacts and the cache sit beside the workspace, never inside it (they would be committed).
 */
export function trainingRequest(
  opened: OpenedSession,
  row: ExperimentRow,
  hooks: Pick<TrainingRequest, 'signal' | 'onSpawn' | 'onStep'>,
): TrainingRequest {
  const { workspace, session, options, sandbox } = opened;
  const dir = path.dirname(workspace.dir);
  const logPath = path.join(dir, 'logs', `experiment-${row.id}.log`);
  const outDir = path.join(dir, 'out', String(row.id));
  const cacheDir = path.join(dir, 'cache');
  for (const folder of [path.dirname(logPath), outDir, cacheDir]) fs.mkdirSync(folder, { recursive: true });

  const data = sandbox.config.data === undefined ? undefined : path.resolve(sandbox.dir, sandbox.config.data);
  const env = buildTrainingEnv(process.env, {
    budgetS: options.budgetS,
    seed: row.seed,
    experimentId: row.id,
    outDir,
    cacheDir,
    pathPrefix: [path.join(PACKAGE_ROOT, 'node_modules', '.bin')],
    data,
  });
  return {
    command: sandbox.config.command,
    cwd: workspace.dir,
    env,
    sandbox: opened.isolation.bwrap ? sandboxView(workspace.dir, outDir, env.PATH ?? '', data, cacheDir) : null,
    limits: { memoryBytes: options.memoryGb === null ? null : options.memoryGb * 2 ** 30, openFiles: options.openFiles },
    budgetS: options.budgetS,
    graceS: options.graceS,
    logPath,
    metric: session.metric,
    ...hooks,
  };
}
