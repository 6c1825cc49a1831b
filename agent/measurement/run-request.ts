import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths.ts';
import { defaultDiskQuota } from '../runner/disk-quota.ts';
import type { EvaluationProcess, EvaluationRequest } from '../runner/evaluation.ts';
import { buildTrainingEnv } from '../runner/env.ts';
import { bwrapArgs } from '../runner/isolation/bwrap-args.ts';
import { isolationView, type ViewExtras } from '../runner/isolation/view.ts';
import type { TrainingRequest } from '../runner/run-training.ts';
import type { Sandbox } from '../config/load.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import type { Isolation } from '../runner/isolation/choose.ts';
import type { Hashes } from '../workspace/readonly-guard.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { compiledDir } from './compiled-ts.ts';
import { cacheDir, readyCache } from './session-cache.ts';
import type { PlansForRun } from './plan-record.ts';

/** What measuring a run needs to know of its session (the loop's OpenedSession is one). */
export interface MeasuredSession {
  session: SessionRow;
  sandbox: Sandbox;
  workspace: Workspace;
  /** The session's settings a run needs (loop/options.ts SessionOptions has them all). */
  options: { budgetS: number; graceS: number; memoryGb: number | null; openFiles: number | null; maxProcesses?: number | null; diskQuotaGb?: number | null };
  isolation: Isolation;
  /** The log file, which no run may see. */
  dbPath: string;
  /** The evaluation's files as the session began (sealed and separate sessions). */
  evaluation: { snapshot: string; hashes: Hashes } | null;
}

/**
 * The tree a run trains and predicts in: the session's workspace on the direct path, the run's own
 * checkout (workspace/checkouts.ts) through an executor. The session's folders (logs, artifacts,
 * evaluation, the history to hide) stay where `MeasuredSession.workspace` is either way.
 */
export interface RunTree {
  dir: string;
  /** What its node_modules link should point to, whatever the run made of it. */
  modules: string | null;
}

/** Where one row's files go: beside the workspace, never inside it (they would be committed). */
export function runFolders(opened: MeasuredSession, row: ExperimentRow) {
  const dir = path.dirname(opened.workspace.dir);
  return {
    logPath: path.join(dir, 'logs', `experiment-${row.id}.log`),
    outDir: path.join(dir, 'out', String(row.id)),
    /** A fresh copy of the evaluation's files for this run only. */
    evaluationDir: path.join(dir, 'evaluation-runs', String(row.id)),
  };
}

/** What no run of this session may read even where a folder it sees holds it: the log, the history, the evaluation. */
function hiddenPaths(opened: MeasuredSession): string[] {
  const db = path.resolve(opened.dbPath);
  const dir = path.dirname(opened.workspace.dir);
  return [db, `${db}-wal`, `${db}-shm`, `${opened.workspace.dir}.git`, path.join(dir, 'evaluation'), path.join(dir, 'evaluation-runs')].filter((p) =>
    fs.existsSync(p),
  );
}

function dataPath(opened: MeasuredSession): string | undefined {
  const { sandbox } = opened;
  return sandbox.config.data === undefined ? undefined : path.resolve(sandbox.dir, sandbox.config.data);
}

function environment(opened: MeasuredSession, row: ExperimentRow, plans: Partial<PlansForRun> | null): Record<string, string> {
  const { outDir } = runFolders(opened, row);
  const compiled = compiledDir(opened);
  return buildTrainingEnv(process.env, {
    cache: readyCache(opened),
    compiled: fs.existsSync(compiled) ? compiled : null,
    budgetS: opened.options.budgetS,
    seed: row.seed,
    experimentId: row.id,
    outDir,
    steps: plans?.steps,
    lead: plans?.lead,
    shapeSteps: plans?.shapes,
    pathPrefix: [path.join(PACKAGE_ROOT, 'node_modules', '.bin')],
    data: dataPath(opened),
  });
}

/** The prepare command's variables: a run's, with no seed or experiment of its own, and the cache folder to fill. */
export function cacheEnvironment(opened: MeasuredSession): Record<string, string> {
  const cache = cacheDir(opened);
  return buildTrainingEnv(process.env, {
    budgetS: opened.options.budgetS,
    seed: 0,
    experimentId: 0,
    outDir: cache,
    cache,
    pathPrefix: [path.join(PACKAGE_ROOT, 'node_modules', '.bin')],
    data: dataPath(opened),
  });
}

/** The session's folders a run reads and must never write: the prepared cache, the compiled TypeScript. */
const sessionFolders = (env: Record<string, string>): string[] => [env.NIGHTSHIFT_CACHE, env.NIGHTSHIFT_COMPILED].filter((dir) => dir !== undefined);

/** bubblewrap's arguments for one process of the run, when the session isolates runs. */
function isolated(opened: MeasuredSession, cwd: string, outDir: string, env: Record<string, string>, command: string, extras: ViewExtras): string[] | null {
  if (!opened.isolation.bwrap) return null;
  const view = isolationView(cwd, outDir, env.PATH ?? '', dataPath(opened), {
    hidden: hiddenPaths(opened),
    ...extras,
    extraReadonly: [...(extras.extraReadonly ?? []), ...sessionFolders(env)],
  });
  return bwrapArgs({ ...view, workspace: cwd, env, command });
}

/**
 * How one row's training process is started: its folders, environment, sandbox and limits.
 * `plans` are the configuration's step plan, once a run of it has made one, and the shapes'.
 */
export function trainingRequest(
  opened: MeasuredSession,
  row: ExperimentRow,
  hooks: Pick<TrainingRequest, 'signal' | 'onSpawn' | 'onStep'>,
  plans: Partial<PlansForRun>,
  tree: RunTree = opened.workspace,
): TrainingRequest {
  const { session, options } = opened;
  const { logPath, outDir } = runFolders(opened, row);
  for (const folder of [path.dirname(logPath), outDir]) fs.mkdirSync(folder, { recursive: true });
  const env = environment(opened, row, plans);
  return {
    command: opened.sandbox.config.command,
    cwd: tree.dir,
    env,
    isolation: opened.isolation.bwrap
      ? isolationView(tree.dir, outDir, env.PATH ?? '', dataPath(opened), {
          hidden: hiddenPaths(opened),
          extraReadonly: sessionFolders(env),
        })
      : null,
    limits: { memoryBytes: options.memoryGb === null ? null : options.memoryGb * 2 ** 30, openFiles: options.openFiles, processes: options.maxProcesses },
    diskQuotaBytes: options.diskQuotaGb === undefined ? defaultDiskQuota(tree.dir) : options.diskQuotaGb === null ? null : options.diskQuotaGb * 2 ** 30,
    budgetS: options.budgetS,
    graceS: options.graceS,
    logPath,
    // Sealed and separate sessions take the metric from the evaluation; the training line is facts.
    metric: session.seal === 'self-reported' ? session.metric : null,
    protocol: opened.sandbox.config.protocol,
    ...hooks,
  };
}

/**
 * The evaluation of one row's run (sealed or separate sessions), its folder already filled by
 * prepareEvaluationFolder. evaluate sees its own folder (and, when separate, the workspace and
 * artifacts read-only); predict sees what training saw, with its artifacts read-only.
 */
export function evaluationRequest(opened: MeasuredSession, row: ExperimentRow, signal: AbortSignal, tree: RunTree = opened.workspace): EvaluationRequest {
  const { sandbox, session, options } = opened;
  const { logPath, outDir, evaluationDir } = runFolders(opened, row);
  const trainingEnv = environment(opened, row, null);
  const sealed = sandbox.config.predict !== undefined;
  const evaluateEnv: Record<string, string> = {
    ...trainingEnv,
    // Python would otherwise write bytecode beside the evaluation's files.
    PYTHONDONTWRITEBYTECODE: '1',
    ...(sealed ? {} : { NIGHTSHIFT_WORKSPACE: tree.dir }),
  };
  if (sealed) delete evaluateEnv.NIGHTSHIFT_OUT;
  // The evaluation trusts nothing a run's code could have touched: it compiles its own TypeScript.
  delete evaluateEnv.NIGHTSHIFT_COMPILED;
  const evaluateCommand = sandbox.config.evaluate!;
  const evaluate: EvaluationProcess = {
    command: evaluateCommand,
    cwd: evaluationDir,
    env: evaluateEnv,
    bwrap: isolated(opened, evaluationDir, evaluationDir, evaluateEnv, evaluateCommand, sealed ? {} : { extraReadonly: [tree.dir, outDir] }),
  };
  const predict: EvaluationProcess | null = sealed
    ? {
        command: sandbox.config.predict!,
        cwd: tree.dir,
        env: trainingEnv,
        bwrap: isolated(opened, tree.dir, outDir, trainingEnv, sandbox.config.predict!, { outReadonly: true }),
      }
    : null;
  return { evaluate, predict, limitS: options.graceS, logPath, metric: session.metric, signal };
}
