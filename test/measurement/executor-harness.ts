/**
 * A session opened as the loop opens it (real log, real workspace and git), with rows to measure
 * through an executor in their own checkouts (agent/measurement/measure-on-executor.ts).
 */
import path from 'node:path';
import type { Executor } from '../../agent/executors/types.ts';
import type { SessionOptions } from '../../agent/loop/options.ts';
import { openSession } from '../../agent/loop/session-setup.ts';
import { type ExecutorHooks, type ExecutorRun, measureRunOnExecutor, type SubmittedRun } from '../../agent/measurement/measure-on-executor.ts';
import { openLogForWriting } from '../../agent/store/db.ts';
import { ExperimentStore } from '../../agent/store/experiments.ts';
import { PlanStore } from '../../agent/store/plans.ts';
import { SessionStore } from '../../agent/store/sessions.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { Checkouts } from '../../agent/workspace/checkouts.ts';
import { tempDir } from '../helpers.ts';
import { options } from '../loop/harness.ts';

export async function executorSession(sandbox: string, over: Partial<SessionOptions> = {}, dir = tempDir()) {
  const db = path.join(dir, 'log.db');
  const handle = openLogForWriting(db);
  const sessions = new SessionStore(handle);
  const experiments = new ExperimentStore(handle);
  const plans = new PlanStore(handle);
  const opened = await openSession(sessions, experiments, db, options(sandbox, over), 'auto');
  const checkouts = Checkouts.of(opened.workspace);

  /** The diff that makes the workspace's `file` hold `text`, the workspace left as it was. */
  const diffOf = async (edits: Record<string, (old: string) => string>): Promise<string> => {
    for (const [file, edit] of Object.entries(edits)) opened.workspace.write(file, edit(opened.workspace.read(file)));
    const diff = await opened.workspace.diff();
    await opened.workspace.resetTo(opened.session.baseline_commit!);
    return diff;
  };

  const row = (diff = '', seed = 1): ExperimentRow =>
    experiments.create({
      session_id: opened.session.id,
      kind: diff === '' ? 'baseline' : 'llm',
      description: diff === '' ? 'baseline' : 'a change',
      hypothesis: null,
      change_key: null,
      spec_json: null,
      diff,
      parent_id: null,
      retry_of: null,
      seed,
      min_runs: 1,
      base_commit: opened.session.baseline_commit!,
      proposer: 'agent',
      decision: null,
      propose_s: null,
    });

  const measure = async (
    executor: Executor,
    r: ExperimentRow,
    more: Partial<ExecutorRun> = {},
    hooks: ExecutorHooks = {},
    onStart?: (s: SubmittedRun) => void,
  ) => {
    const steps: number[] = [];
    const started: SubmittedRun[] = [];
    const measured = await measureRunOnExecutor(
      opened,
      plans,
      r,
      { executor, checkouts, attempt: 1, readonlyHashes: opened.readonlyHashes, pollMs: 100, ...more },
      {
        ...hooks,
        onStep: (step) => {
          steps.push(step.step);
          hooks.onStep?.(step);
        },
      },
      () => experiments.forSession(opened.session.id),
      (s) => {
        started.push(s);
        onStart?.(s);
      },
    );
    return { measured, steps, started };
  };

  return { opened, experiments, plans, checkouts, diffOf, row, measure, close: () => handle.close() };
}
