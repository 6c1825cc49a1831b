import fs from 'node:fs';
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { EventBus } from '../../loop/events.ts';
import type { SessionOptions } from '../../loop/options.ts';
import { settleRunning } from '../../loop/session-choice.ts';
import { openRerunSession } from '../../rerun/rerun-session.ts';
import { Rerun, rerunSeeds } from '../../rerun/rerun.ts';
import { rerunTarget } from '../../rerun/target.ts';
import { chooseIsolation } from '../../runner/isolation/choose.ts';
import { openLogForWriting } from '../../store/db.ts';
import { ExperimentStore } from '../../store/experiments.ts';
import { MetricsWriter } from '../../store/metrics.ts';
import { PlanStore } from '../../store/plans.ts';
import { SessionStore } from '../../store/sessions.ts';
import { printHeadless } from '../../ui/headless.ts';
import { flagNumber, parseCommand } from '../args.ts';
import { dbFlag } from '../query-flags.ts';
import { RELAYED_SIGINT, startedByHandOff } from '../secret-handoff.ts';

const USAGE = `usage: nightshift rerun ID [flags]

Re-measures experiment ID (a change; a confirmation run stands for its change) on fresh seeds:
on each seed its base commit, then the change on it, with the sandbox, settings, evaluation and
step plans of its session, in a new session of the same log. Then it says whether the new runs
agree with the logged result within the noise (README, "Checking a result"): exit 0 when they
do (or when only the level moved with the base), 1 when they do not or cannot tell.

  --seeds N          fresh seeds, each run on the base and on the change (default: 3)
  --db FILE          the experiment log (default: experiments.db)

First Ctrl-C: finish the run in flight, then judge what was measured. Second Ctrl-C: stop it now.`;

const Flags = z
  .object({
    db: dbFlag,
    seeds: flagNumber('seeds', z, { int: true, min: 1 }).default(3),
    positionals: z.array(z.string()),
  })
  .refine((f) => f.positionals.length === 1, { message: 'give one experiment id to re-measure' })
  .transform((f, ctx) => {
    const id = Number(f.positionals[0]!.replace(/^#/, ''));
    if (Number.isSafeInteger(id) && id > 0) return { ...f, id };
    ctx.addIssue({ code: 'custom', message: `an experiment id is a whole number like 12, got '${f.positionals[0]}'` });
    return z.NEVER;
  });

const spec = {
  name: 'rerun',
  usage: USAGE,
  schema: Flags,
  allowPositionals: true,
  options: { db: { type: 'string' }, seeds: { type: 'string' } },
} as const;

export async function rerunCommand(argv: string[]): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // A log that is not there is an error, not a new empty log made by opening it.
  if (!fs.existsSync(flags.db)) throw new UserError(`no log at ${flags.db}`);
  const db = openLogForWriting(flags.db);
  try {
    const sessions = new SessionStore(db);
    const experiments = new ExperimentStore(db);
    const target = rerunTarget(db, flags.db, flags.id);
    await settleRunning(sessions, experiments, flags.db);
    const stored = JSON.parse(target.session.options_json) as SessionOptions;
    const isolation = await chooseIsolation(stored.isolation);
    // As `run` refuses to: an LLM's code is not run without bubblewrap unless its session said so.
    if (stored.proposer === 'claude' && !isolation.bwrap && stored.isolation !== 'none') {
      throw new UserError(`experiment ${target.candidate.id} is LLM-written code, run only inside bubblewrap, which does not work here`);
    }
    const plans = new PlanStore(db);
    const opened = await openRerunSession(sessions, plans, flags.db, target.session, target.candidate.id, target.candidate.base_commit, isolation);
    const bus = new EventBus();
    bus.subscribe(printHeadless());
    const say = (line: string) => process.stdout.write(`${line}\n`);
    if (target.note) say(target.note);
    if (isolation.warning) bus.emit({ type: 'warning', message: isolation.warning });
    const seeds = rerunSeeds(target.usedSeeds, flags.seeds);
    const logged = target.logged;
    say(
      `re-measuring #${target.candidate.id} of session ${target.session.id} (${target.candidate.description}; logged over ${logged.runs.length} run${logged.runs.length === 1 ? '' : 's'} against ${logged.base.length} of its base): its base commit ${target.candidate.base_commit.slice(0, 7)}, then the change, on seeds ${seeds.join(', ')}`,
    );
    const rerun = new Rerun(opened, target, { sessions, experiments, metrics: new MetricsWriter(db), plans, bus }, seeds);
    const result = await withInterrupts(
      () => rerun.requestStop(),
      () => rerun.run(),
    );
    const verdict = result.agreement?.verdict ?? 'undetermined';
    say(`#${target.candidate.id}: ${verdict}`);
    return verdict === 'agrees' || verdict === 'shifted' ? 0 : 1;
  } finally {
    db.close();
  }
}

/** Ctrl-C and SIGTERM ask `stop` while `body` runs; started without the secrets, only the relayed Ctrl-C counts (as in run.ts). */
async function withInterrupts<T>(stop: () => void, body: () => Promise<T>): Promise<T> {
  const ignore = () => {};
  const interrupt = startedByHandOff() ? RELAYED_SIGINT : 'SIGINT';
  if (interrupt !== 'SIGINT') process.on('SIGINT', ignore);
  process.on(interrupt, stop);
  process.on('SIGTERM', stop);
  try {
    return await body();
  } finally {
    process.off('SIGINT', ignore);
    process.off(interrupt, stop);
    process.off('SIGTERM', stop);
  }
}
