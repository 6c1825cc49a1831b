import path from 'node:path';
import type { Decision, DecisionInput, DecisionPolicy } from '../../agent/decide/types.ts';
import { EventBus, type LoopEvent } from '../../agent/loop/events.ts';
import { buildExecutor } from '../../agent/loop/executor-settings.ts';
import { ExperimentLoop } from '../../agent/loop/loop.ts';
import { ParallelLoop } from '../../agent/loop/parallel-loop.ts';
import { sessionOptions, type SessionOptions } from '../../agent/loop/options.ts';
import { openSession } from '../../agent/loop/session-setup.ts';
import { Planner } from '../../agent/proposers/planner.ts';
import type { Proposer } from '../../agent/proposers/types.ts';
import { openLogForWriting } from '../../agent/store/db.ts';
import { ExperimentStore } from '../../agent/store/experiments.ts';
import { MetricsWriter } from '../../agent/store/metrics.ts';
import { SessionStore } from '../../agent/store/sessions.ts';
import { tempDir } from '../helpers.ts';

const mean = (xs: readonly { value: number }[]) => xs.reduce((s, x) => s + x.value, 0) / xs.length;

/** A transparent rule for loop tests: confirm up to minRuns, then keep iff the candidate mean is lower. */
export const meanRule: DecisionPolicy = {
  name: 'mean-rule',
  baselineSeeds: (n) => Array.from({ length: n }, (_, i) => i + 1),
  headRuns: (baselineRuns) => baselineRuns,
  maxRunsPerCandidate: (minRuns) => minRuns,
  screenSeed: () => 1,
  decide(input: DecisionInput): Decision {
    if (input.candidate.length < input.minRuns) {
      return { verdict: 'confirm', seed: input.candidate.length + 1, reason: 'needs more runs' };
    }
    const delta = mean(input.candidate) - mean(input.baseline);
    const verdict = delta < 0 ? 'keep' : 'revert';
    return { verdict, reason: `${verdict}: delta ${delta}`, stats: { delta, sd: 0, n: input.candidate.length, p: null, ciLow: null, ciHigh: null } };
  },
};

/** A proposer that makes each scripted edit of the workspace once, in order (an 'llm' change), then nothing. */
export function scriptedEdits(...changes: Array<{ description: string; apply: (workspace: string) => void }>): Proposer {
  let next = 0;
  return {
    name: 'scripted',
    async propose(ctx) {
      const change = changes[next++];
      if (!change) return null;
      change.apply(ctx.workspace.dir);
      return { kind: 'llm', description: change.description, hypothesis: null, changeKey: change.description, spec: null, minRuns: 1 };
    },
  };
}

export function options(sandbox: string, over: Partial<SessionOptions> = {}): SessionOptions {
  return sessionOptions(sandbox, {
    budgetS: 5,
    graceS: 5,
    maxExperiments: 12,
    maxExperimentsGiven: true,
    decision: 'mean-rule',
    baselineRuns: 2,
    ablationRuns: 2,
    interactionTop: 2,
    controlEvery: 0,
    ...over,
  });
}

/** Runs one session of the real loop in this process and returns what it recorded. */
export async function runLoop(
  opts: SessionOptions,
  {
    db = path.join(tempDir(), 'log.db'),
    resume = false,
    proposer,
    policy = meanRule,
  }: { db?: string; resume?: boolean; proposer?: Proposer; policy?: DecisionPolicy } = {},
) {
  const handle = openLogForWriting(db);
  const sessions = new SessionStore(handle);
  const experiments = new ExperimentStore(handle);
  const events: LoopEvent[] = [];
  try {
    const opened = await openSession(sessions, experiments, db, opts, resume ? 'resume' : 'auto');
    const bus = new EventBus();
    bus.subscribe((e) => events.push(e));
    const deps = {
      db: handle,
      sessions,
      experiments,
      metrics: new MetricsWriter(handle),
      proposer: proposer ?? new Planner({ ablationRuns: opts.ablationRuns, interactionTop: opts.interactionTop }),
      policy,
      bus,
    };
    // With executor settings, the parallel loop on that executor, as `run --parallel` makes it.
    const loop = opts.executor
      ? new ParallelLoop(opened, deps, await buildExecutor(opts.executor, path.join(path.dirname(opened.workspace.dir), 'runs')), { pollMs: 100 })
      : new ExperimentLoop(opened, deps);
    const session = await loop.run();
    return { db, session, rows: experiments.forSession(session.id), events, workspace: opened.workspace };
  } finally {
    handle.close();
  }
}
