/**
 * Which session a `run` opens (docs/design.md, "Resume"): the latest session of `run` when it
 * was stopped and this command line asks for the same experiment, or when its agent died;
 * otherwise a new one. `--resume` continues the latest whatever the flags say (only its limits
 * may be given anew) or fails; `--new` always starts another.
 */
import { loadSandbox } from '../config/load.ts';
import { UserError } from '../errors.ts';
import { killOrphanedRun } from '../runner/orphans.ts';
import type { ExperimentStore } from '../store/experiments.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { SessionRow } from '../store/types.ts';
import { outsideGitDir, Workspace } from '../workspace/workspace.ts';
import type { SessionOptions } from './options.ts';
import { settingsMismatch } from './settings-match.ts';

export type SessionMode = 'auto' | 'resume' | 'new';

/** The session to continue (null: start one), and a line to say why when that may surprise. */
export interface SessionChoice {
  resume: SessionRow | null;
  note: string | null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A session marked running whose agent is another live process. */
const runByOther = (s: SessionRow): boolean => s.status === 'running' && s.agent_pid !== null && s.agent_pid !== process.pid && isAlive(s.agent_pid);

/** A limit on this command line: what lets --resume continue a session that finished (on its limit). */
const limitGiven = (options: SessionOptions): boolean => options.maxExperimentsGiven || options.maxRunsGiven === true || options.deadlineGiven === true;

export async function chooseSession(
  sessions: SessionStore,
  experiments: ExperimentStore,
  dbPath: string,
  requested: SessionOptions,
  mode: SessionMode,
): Promise<SessionChoice> {
  await settleRunning(sessions, experiments, dbPath);
  const latest = sessions.latestRun();
  const crashed = latest?.status === 'running';
  if (mode === 'new') {
    if (latest && crashed) await abandon(sessions, experiments, latest, 'its agent died; --new started another session');
    return { resume: null, note: null };
  }
  if (!latest) {
    if (mode === 'resume') throw new UserError(`no session to resume in ${dbPath}`);
    return { resume: null, note: null };
  }
  if (mode === 'resume' || crashed) {
    if (mode === 'resume' && latest.status === 'finished' && !limitGiven(requested)) {
      throw new UserError(`session ${latest.id} has finished; start a new one without --resume`);
    }
    refuseLostRepository(sessions, latest);
    return { resume: latest, note: null };
  }
  if (latest.status === 'finished') return { resume: null, note: null };
  // Stopped: continued when this command line asks for the same experiment.
  const why = lostRepository(latest) ?? settingsMismatch(latest, requested, loadSandbox(requested.sandbox));
  if (why === null) return { resume: latest, note: null };
  return {
    resume: null,
    note: `session ${latest.id} was stopped but is not continued: ${why}; a new session starts ('nightshift run --resume' continues ${latest.id} with its own settings)`,
  };
}

/**
 * Before an agent starts on a log (`run` or `rerun`): one agent per log, as two would share the
 * machine and skew each other's measurements; a rerun whose agent died is ended, never resumed
 * (`nightshift rerun` starts it afresh).
 */
export async function settleRunning(sessions: SessionStore, experiments: ExperimentStore, dbPath: string): Promise<void> {
  for (const s of sessions.running()) {
    if (runByOther(s)) throw new UserError(`session ${s.id} in ${dbPath} is being run by process ${s.agent_pid}; use 'nightshift watch' to follow it`);
    if (isRerun(s)) await abandon(sessions, experiments, s, 'its agent died before the re-measure finished');
  }
}

const isRerun = (s: SessionRow): boolean => (JSON.parse(s.options_json) as SessionOptions).rerunOf !== undefined;

/** Why a session's workspace can no longer be continued, or null. */
function lostRepository(session: SessionRow): string | null {
  if (session.head_commit === null || session.workspace === '' || Workspace.hasRepository(session.workspace)) return null;
  return `its workspace repository ${outsideGitDir(session.workspace)} is gone`;
}

/**
 * A session to be resumed whose git repository is gone cannot be: it is marked stopped (so the
 * next run starts a new session instead of failing on it again) and refused in one line.
 */
function refuseLostRepository(sessions: SessionStore, session: SessionRow): void {
  const reason = lostRepository(session);
  if (reason === null) return;
  if (session.status === 'running') sessions.end(session.id, 'stopped', reason);
  throw new UserError(`session ${session.id} cannot be resumed: ${reason}; run again without --resume to start a new session`);
}

/** Ends a session whose agent died without continuing it: its runs in flight are marked and their orphans killed. */
async function abandon(sessions: SessionStore, experiments: ExperimentStore, session: SessionRow, reason: string): Promise<void> {
  for (const row of experiments.interruptInFlight(session.id, 'the agent stopped while this ran')) await killOrphanedRun(row.pid, row.id);
  sessions.end(session.id, 'stopped', reason);
}
