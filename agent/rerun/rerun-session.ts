/**
 * The session a rerun measures in: a new session of the same log with the original's sandbox,
 * settings, read-only hashes, evaluation files and step plans, whose workspace holds the
 * change's base commit (the same tree; a commit of its own, as every workspace's first is).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execaOwnSession } from '../runner/own-session.ts';
import { loadSandbox } from '../config/load.ts';
import { UserError } from '../errors.ts';
import type { SessionOptions } from '../loop/options.ts';
import { snapshotEvaluationFiles } from '../measurement/evaluation-files.ts';
import type { MeasuredSession } from '../measurement/run-request.ts';
import { PACKAGE_ROOT, sessionDir } from '../paths.ts';
import type { Isolation } from '../runner/isolation/choose.ts';
import type { PlanStore } from '../store/plans.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { SessionRow } from '../store/types.ts';
import { gitEnvironment } from '../workspace/git.ts';
import type { Hashes } from '../workspace/readonly-guard.ts';
import { outsideGitDir, Workspace } from '../workspace/workspace.ts';

export interface RerunSession extends MeasuredSession {
  readonlyHashes: Hashes;
  options: SessionOptions;
}

/** Opens the rerun's session for experiment `experimentId` of `original`, whose base commit is `base`. */
export async function openRerunSession(
  sessions: SessionStore,
  plans: PlanStore,
  dbPath: string,
  original: SessionRow,
  experimentId: number,
  base: string,
  isolation: Isolation,
): Promise<RerunSession> {
  const stored = JSON.parse(original.options_json) as SessionOptions;
  const options: SessionOptions = { ...stored, rerunOf: experimentId, maxExperiments: null, maxRuns: null, deadline: null };
  const created = sessions.create({
    sandbox: original.sandbox,
    workspace: '',
    command: original.command,
    metric: original.metric,
    goal: original.goal,
    proposer: original.proposer,
    decision_rule: original.decision_rule,
    budget_s: original.budget_s,
    max_experiments: null,
    options_json: JSON.stringify(options),
    readonly_json: original.readonly_json,
    seal: original.seal,
  });
  const dir = path.join(sessionDir(dbPath, created.id), 'workspace');
  sessions.setWorkspace(created.id, dir);
  let evaluation: MeasuredSession['evaluation'];
  let workspace: { workspace: Workspace; commit: string };
  try {
    evaluation = copyEvaluation(original, dir);
    if (evaluation) sessions.setEvaluationFiles(created.id, JSON.stringify(evaluation.hashes));
    const modules = Workspace.modulesFor(original.sandbox, path.join(PACKAGE_ROOT, 'node_modules'));
    workspace = await checkoutBase(original, experimentId, base, dir, modules);
  } catch (error) {
    // Not left 'running': it never ran, and says why.
    sessions.end(created.id, 'stopped', `error: ${(error as Error).message}`);
    throw error;
  }
  sessions.setCommits(created.id, { baseline: workspace.commit, head: workspace.commit });
  plans.copy(original.id, created.id);
  return {
    session: sessions.get(created.id)!,
    sandbox: { dir: original.sandbox, config: loadSandbox(dir, { hidden: 'elsewhere' }).config },
    workspace: workspace.workspace,
    readonlyHashes: JSON.parse(original.readonly_json) as Hashes,
    options,
    isolation,
    dbPath,
    evaluation,
  };
}

/** The base commit's files, exported from the original workspace's repository (never touching it) into a new workspace. */
async function checkoutBase(
  original: SessionRow,
  experimentId: number,
  base: string,
  dir: string,
  modules: string,
): Promise<{ workspace: Workspace; commit: string }> {
  const exported = path.join(path.dirname(dir), 'base-export');
  const tar = `${exported}.tar`;
  fs.mkdirSync(exported, { recursive: true });
  try {
    const env = gitEnvironment(process.env, null);
    const gitDir = fs.existsSync(outsideGitDir(original.workspace)) ? outsideGitDir(original.workspace) : path.join(original.workspace, '.git');
    const archive = await execaOwnSession('git', ['-c', 'core.hooksPath=/dev/null', '--git-dir', gitDir, 'archive', '--format=tar', '-o', tar, base], {
      extendEnv: false,
      env,
      reject: false,
    });
    if (archive.exitCode !== 0)
      throw new UserError(`#${experimentId}'s base commit ${base.slice(0, 7)} is not in session ${original.id}'s repository ${gitDir}`);
    await execaOwnSession('tar', ['-xf', tar, '-C', exported], { extendEnv: false, env });
    return await Workspace.create(exported, dir, modules);
  } finally {
    fs.rmSync(exported, { recursive: true, force: true });
    fs.rmSync(tar, { force: true });
  }
}

/** The original session's evaluation files, copied beside the new workspace and checked against the hashes it began with. */
function copyEvaluation(original: SessionRow, workspaceDir: string): MeasuredSession['evaluation'] {
  if (original.evaluation_json === null) return null;
  const hashes = JSON.parse(original.evaluation_json) as Hashes;
  const from = path.join(path.dirname(original.workspace), 'evaluation');
  const snapshot = path.join(path.dirname(workspaceDir), 'evaluation');
  const missing = Object.keys(hashes).filter((file) => !fs.existsSync(path.join(from, file)));
  if (missing.length > 0)
    throw new UserError(`session ${original.id}'s evaluation files are gone (${missing.join(', ')} in ${from}): a rerun must score as it did`);
  const copied = snapshotEvaluationFiles(from, Object.keys(hashes), snapshot);
  const changed = Object.keys(hashes).filter((file) => copied[file] !== hashes[file]);
  if (changed.length > 0)
    throw new UserError(`session ${original.id}'s evaluation files changed since it ran (${changed.join(', ')}): a rerun must score as it did`);
  return { snapshot, hashes };
}
