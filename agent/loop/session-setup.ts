import fs from 'node:fs';
import path from 'node:path';
import { scanMarkers } from '../knobs/scan.ts';
import { PACKAGE_ROOT, sessionDir } from '../paths.ts';
import { snapshotEvaluationFiles } from '../measurement/evaluation-files.ts';
import type { MeasuredSession } from '../measurement/run-request.ts';
import { loadSandbox, sealLevel, type Sandbox } from '../config/load.ts';
import type { ExperimentStore } from '../store/experiments.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { chooseIsolation, type Isolation } from '../runner/isolation/choose.ts';
import { killOrphanedRun } from '../runner/orphans.ts';
import { hashFiles, type Hashes } from '../workspace/readonly-guard.ts';
import { Workspace } from '../workspace/workspace.ts';
import type { SessionOptions } from './options.ts';
import { chooseSession, type SessionMode } from './session-choice.ts';
import { sandboxFingerprint } from './settings-match.ts';

export interface OpenedSession extends MeasuredSession {
  session: SessionRow;
  sandbox: Sandbox;
  workspace: Workspace;
  readonlyHashes: Hashes;
  options: SessionOptions;
  resumed: boolean;
  interrupted: ExperimentRow[];
  isolation: Isolation;
  /** Why a stopped session was not continued, in one line (session-choice.ts); null otherwise. */
  note: string | null;
}

export { isAlive } from './session-choice.ts';

/**
 * Opens the session `chooseSession` picks for this mode: the latest continued (stopped with the
 * same settings, crashed, or --resume), or a new one.
 */
export async function openSession(
  sessions: SessionStore,
  experiments: ExperimentStore,
  dbPath: string,
  options: SessionOptions,
  mode: SessionMode,
): Promise<OpenedSession> {
  const choice = await chooseSession(sessions, experiments, dbPath, options, mode);
  // Isolation is about this machine now, so it follows this command line, also on resume.
  const isolation = await chooseIsolation(options.isolation);
  const opened = choice.resume ? await resumeSession(sessions, experiments, choice.resume, options) : await createSession(sessions, dbPath, options);
  return { ...opened, isolation, dbPath, note: choice.note };
}

type Opened = Omit<OpenedSession, 'isolation' | 'dbPath' | 'note'>;

/** Where a session keeps the evaluation's files (beside its workspace, out of every run's view). */
const evaluationSnapshot = (workspaceDir: string): string => path.join(path.dirname(workspaceDir), 'evaluation');

async function createSession(sessions: SessionStore, dbPath: string, options: SessionOptions): Promise<Opened> {
  const sandbox = loadSandbox(options.sandbox);
  // A malformed marker is the user's to fix before the night starts, not an error at 3 a.m.
  scanMarkers(sandbox.dir, sandbox.config.editable);
  // nightshift.json itself is guarded too: a change to the command or the metric is no experiment.
  const readonlyHashes = hashFiles(sandbox.dir, ['nightshift.json', ...sandbox.config.readonly]);
  // Stored with the settings, so that a later plain `run` continues it only on the same files.
  const stored: SessionOptions = { ...options, sandboxHash: sandboxFingerprint(sandbox) };
  const created = sessions.create({
    sandbox: sandbox.dir,
    workspace: '',
    command: sandbox.config.command,
    metric: sandbox.config.metric,
    goal: sandbox.config.goal,
    proposer: options.proposer,
    decision_rule: options.decision,
    budget_s: options.budgetS,
    max_experiments: options.maxExperiments,
    options_json: JSON.stringify(stored),
    readonly_json: JSON.stringify(readonlyHashes),
    seal: sealLevel(sandbox.config),
  });
  const dir = path.join(sessionDir(dbPath, created.id), 'workspace');
  sessions.setWorkspace(created.id, dir);
  const evaluation = evaluationFiles(sandbox, dir);
  if (evaluation) sessions.setEvaluationFiles(created.id, JSON.stringify(evaluation.hashes));
  const { workspace, commit } = await Workspace.create(sandbox.dir, dir, path.join(PACKAGE_ROOT, 'node_modules'), sandbox.config.hidden);
  sessions.setCommits(created.id, { baseline: commit, head: commit });
  return { session: sessions.get(created.id)!, sandbox, workspace, readonlyHashes, options: stored, resumed: false, interrupted: [], evaluation };
}

/** A sealed or separate session's evaluation files, copied from the sandbox as the session begins. */
function evaluationFiles(sandbox: Sandbox, workspaceDir: string): MeasuredSession['evaluation'] {
  if (sealLevel(sandbox.config) === 'self-reported') return null;
  const snapshot = evaluationSnapshot(workspaceDir);
  return { snapshot, hashes: snapshotEvaluationFiles(sandbox.dir, [...sandbox.config.readonly, ...sandbox.config.hidden], snapshot) };
}

async function resumeSession(sessions: SessionStore, experiments: ExperimentStore, session: SessionRow, given: SessionOptions): Promise<Opened> {
  const stored = JSON.parse(session.options_json) as SessionOptions;
  // A resumed session keeps its own settings; only its limits may be set anew, each by its own flag.
  const options: SessionOptions = {
    ...stored,
    ...(given.maxExperimentsGiven ? { maxExperiments: given.maxExperiments } : {}),
    ...(given.maxRunsGiven ? { maxRuns: given.maxRuns ?? null } : {}),
    ...(given.deadlineGiven ? { deadline: given.deadline ?? null } : {}),
  };
  // Stored, so that a later resume (after a crash, say) keeps the limits this one set.
  sessions.claim(session.id, options.maxExperiments, JSON.stringify(options));
  // Runs through an executor outlive the agent in their own checkouts: parallel-loop.ts finds them by name and waits.
  const interrupted = options.executor ? [] : experiments.interruptInFlight(session.id, 'the agent stopped while this ran; re-run');
  // A training process orphaned by the agent's death would hold the GPU and write into the workspace.
  for (const row of interrupted) await killOrphanedRun(row.pid, row.id);
  let workspace: Workspace;
  let head = session.head_commit;
  let evaluation: MeasuredSession['evaluation'] =
    session.evaluation_json === null ? null : { snapshot: evaluationSnapshot(session.workspace), hashes: JSON.parse(session.evaluation_json) as Hashes };
  if (head === null) {
    // Died while creating the workspace: start it again from the source sandbox.
    fs.rmSync(session.workspace, { recursive: true, force: true });
    const source = loadSandbox(session.sandbox);
    evaluation = evaluationFiles(source, session.workspace);
    if (evaluation) sessions.setEvaluationFiles(session.id, JSON.stringify(evaluation.hashes));
    const made = await Workspace.create(session.sandbox, session.workspace, path.join(PACKAGE_ROOT, 'node_modules'), source.config.hidden);
    workspace = made.workspace;
    head = made.commit;
    sessions.setCommits(session.id, { baseline: head, head });
  } else {
    workspace = Workspace.open(session.workspace, Workspace.modulesFor(session.sandbox, path.join(PACKAGE_ROOT, 'node_modules')));
    workspace.clearStaleLock();
    await workspace.resetTo(head);
  }
  const sandbox = { dir: session.sandbox, config: loadSandbox(session.workspace, { hidden: 'elsewhere' }).config };
  return {
    session: sessions.get(session.id)!,
    sandbox,
    workspace,
    readonlyHashes: JSON.parse(session.readonly_json) as Hashes,
    options,
    resumed: true,
    interrupted,
    evaluation,
  };
}
