import path from 'node:path';
import { openLogForWriting } from '../agent/store/db.ts';
import { ExperimentStore } from '../agent/store/experiments.ts';
import { SessionStore } from '../agent/store/sessions.ts';
import { tempDir } from './helpers.ts';

/**
 * A log written through the real stores, as the loop writes it, for readers' tests (watch, report):
 * `session(options)` opens a session stored with those options, `baseline(session, seed)` adds a
 * queued baseline run to it.
 */
export function storeLog(file = path.join(tempDir(), 'log.db')) {
  const db = openLogForWriting(file);
  const sessions = new SessionStore(db);
  const experiments = new ExperimentStore(db);
  const session = (options: object): number =>
    sessions.create({
      sandbox: '/s/fast',
      workspace: '/w',
      command: 'node train.mjs',
      metric: 'val_loss',
      goal: 'minimize',
      proposer: 'planner',
      decision_rule: 'noise-aware',
      budget_s: 300,
      max_experiments: 5,
      options_json: JSON.stringify(options),
      readonly_json: '{}',
      seal: 'self-reported',
    }).id;
  const baseline = (sessionId: number, seed: number): number =>
    experiments.create({
      session_id: sessionId,
      kind: 'baseline',
      description: `baseline, seed ${seed}`,
      seed,
      base_commit: 'c0',
      proposer: 'agent',
      decision: 'baseline',
    }).id;
  return { file, db, sessions, experiments, session, baseline };
}
