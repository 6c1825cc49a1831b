import { createPolicy } from '../../agent/decide/registry.ts';
import { EventBus } from '../../agent/loop/events.ts';
import { ExperimentLoop } from '../../agent/loop/loop.ts';
import type { SessionOptions } from '../../agent/loop/options.ts';
import { openSession, type OpenedSession } from '../../agent/loop/session-setup.ts';
import type { Proposer } from '../../agent/proposers/types.ts';
import { openLogForWriting, type Db } from '../../agent/store/db.ts';
import { ExperimentStore } from '../../agent/store/experiments.ts';
import { MetricsWriter } from '../../agent/store/metrics.ts';
import { SessionStore } from '../../agent/store/sessions.ts';

/**
 * A new session of the real loop in this process, ready to run: what every benchmark sets up.
 * The caller runs `loop.run()`, reads `experiments`, and closes `db`.
 */
export async function benchSession(dbPath: string, options: SessionOptions, proposer: (ctx: { db: Db; opened: OpenedSession }) => Proposer) {
  const db = openLogForWriting(dbPath);
  const sessions = new SessionStore(db);
  const experiments = new ExperimentStore(db);
  const opened = await openSession(sessions, experiments, dbPath, options, 'new');
  const bus = new EventBus();
  const loop = new ExperimentLoop(opened, {
    db,
    sessions,
    experiments,
    metrics: new MetricsWriter(db),
    bus,
    proposer: proposer({ db, opened }),
    policy: createPolicy(options.decision, options),
  });
  return { db, experiments, opened, bus, loop };
}
