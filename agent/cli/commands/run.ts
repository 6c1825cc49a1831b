import { z } from 'zod';
import { EventBus } from '../../loop/events.ts';
import { ExperimentLoop, type LoopDeps } from '../../loop/loop.ts';
import { buildExecutor, executorSettings, type ExecutorFlags } from '../../loop/executor-settings.ts';
import { ParallelLoop } from '../../loop/parallel-loop.ts';
import type { OpenedSession } from '../../loop/session-setup.ts';
import path from 'node:path';
import { deadlineAfterHours, nextTimeOfDay } from '../../loop/deadline.ts';
import { defaultGrace, defaultLimits, type SessionOptions } from '../../loop/options.ts';
import { openSession } from '../../loop/session-setup.ts';
import { UserError } from '../../errors.ts';
import { chooseIsolation, type IsolationMode } from '../../runner/isolation/choose.ts';
import { probeBwrap } from '../../runner/isolation/probe.ts';
import { handedSecrets, RELAYED_SIGINT, startedByHandOff } from '../secret-handoff.ts';
import { createPolicy, POLICY_NAMES } from '../../decide/registry.ts';
import { DEFAULT_MODEL } from '../../proposers/claude/model.ts';
import type { ClaudeFlags } from '../../proposers/claude/setup.ts';
import { Planner } from '../../proposers/planner.ts';
import { openLogForWriting } from '../../store/db.ts';
import { ExperimentStore } from '../../store/experiments.ts';
import { MetricsWriter } from '../../store/metrics.ts';
import { SessionStore } from '../../store/sessions.ts';
import { loadDashboard } from '../../ui/dashboard/load.ts';
import { printHeadless } from '../../ui/headless.ts';
import { flagNumber, parseCommand } from '../args.ts';

const USAGE = `usage: nightshift run [flags]

  --sandbox DIR          the sandbox to experiment on (default: sandbox)
  --budget SECONDS       training seconds per run (default: 300)
  --max-experiments N    end after N decided changes (kept or reverted; default: no limit)
  --max-runs N           end after N finished runs, never starting a change without room for
                         all the runs it may need (default: no limit)
  --hours H              end the night H hours from now (decimal: 7.5)
  --until HH:MM          end the night at the next HH:MM, local time (07:00 at 23:00 = tomorrow);
                         neither starts a change or a run that would end after that time
  --proposer NAME        planner | claude (default: claude with ANTHROPIC_API_KEY, else planner)
  --model ID             the Claude model (default: ${DEFAULT_MODEL})
  --program FILE         your research programme for Claude (default: prompts/program.md)
  --max-turns N          Claude's turns per attempt at a proposal (default: 10)
  --no-prefetch          do not let Claude propose the next experiment while a run is in flight
  --decision RULE        ${POLICY_NAMES.join(' | ')} (default: noise-aware)
  --baseline-runs N      runs of the baseline at the start and after each keep (default: 5);
                         noise-aware adds one per revert, up to twice N
  --ablation-runs N      seeds per ablation, for its interval (default: 3)
  --simplify-margin SD   keep a change that only removes (an ablation to false/0/none, a diff
                         adding no line) when a non-inferiority test shows it is not worse by
                         SD noise SDs (default: 0.5; 0 = keep only what is better)
  --interactions K       test every pair among the K components with the largest effects (default: 3)
  --redundancy-top N     also every pair among the N components with the smallest effects, none
                         significant: two parts that cover for each other look dispensable one
                         at a time (default: 3; 0 = none)
  --design NAME          loco | factorial (default: loco). loco: leave one component out, then
                         the pairs above; factorial: a two-level fractional factorial over the
                         @ablate components (resolution V where 256 runs allow), one fresh seed
                         per point, every effect and pair from least squares over all its runs
  --control-every N      re-measure the baseline after N decisions; 0 = never (default: 10)
  --grace SECONDS        time past the budget for start-up and evaluation (default: 30 + budget/5)
  --isolation MODE       auto | strict | none: run scripts in bubblewrap (default: auto, which
                         warns and falls back when bwrap is missing; strict refuses)
  --memory-limit GB      memory per run (default: 80% of this machine's): for all of the run's
                         processes together (no swap) where nightshift can make a cgroup (root,
                         cgroup v2 or v1); otherwise each process's writable memory (ulimit -d),
                         which several processes can add up past
  --max-processes N      processes and threads per run, so a fork bomb stops there (default:
                         4096; needs the cgroup, else ulimit -u where it binds); 0 = no limit
  --disk-quota GB        bytes a run may write into its workspace and NIGHTSHIFT_OUT (default:
                         20 GiB, or half the free space if less); 0 = no limit
  --open-files N         open files per run (default: 4096)
  --executor KIND        local | slurm: where runs execute (default: local)
  --parallel N           runs at once, each in its own checkout (default: 1, one run at a time in
                         the workspace; with slurm, the jobs in flight at once)
  --gpus IDS             a local GPU pool, e.g. 0,1,2,3: one slot per GPU (per --gpus-per-run
                         GPUs); a GPU listed twice (0,0) is shared by two runs
  --gpus-per-run N       GPUs each run gets (local: from --gpus; slurm: asked of Slurm)
  --allow-mixed-gpus     let a local pool mix GPU models (runs on them are then not comparable)
  --slurm-args "…"       words for sbatch (partition, account, constraint), e.g. "-p gpu -A lab"
  --db FILE              the experiment log (default: experiments.db)
  --headless             plain lines instead of the live UI
  --new                  start a new session, never continue the latest one
  --resume               continue the latest session of --db with its own settings, or fail

A session that was stopped (q, Ctrl-C, an error) is continued by the next run on the same --db when
that asks for the same experiment: the same sandbox with the same files, and the same settings
(every flag above but the limits and --isolation); otherwise a new session starts, saying why. A
session whose agent died resumes by itself; a finished one is not continued (--resume with a limit
flag goes on past its limit). Limits end a session only between decisions: a change under way gets
all its runs and its verdict. A continued session keeps its limits; a limit flag replaces that one.
With --parallel N > 1, --gpus or --executor slurm, runs go to the executor in checkouts of their
own and outlive the agent: a resume finds the runs still in flight by name and waits for them.
First Ctrl-C: finish the run in flight, then stop. Second Ctrl-C: stop it now (it is re-run on resume).`;

const Flags = z.object({
  sandbox: z.string().default('sandbox'),
  budget: flagNumber('budget', z, { min: 1 }).default(300),
  'max-experiments': flagNumber('max-experiments', z, { int: true, min: 1 }).optional(),
  'max-runs': flagNumber('max-runs', z, { int: true, min: 1 }).optional(),
  hours: z
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)) && Number(s) > 0, { message: '--hours must be a number of hours > 0' })
    .transform(Number)
    .optional(),
  until: z
    .string()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, { message: '--until must be a time of day, HH:MM (24-hour)' })
    .optional(),
  proposer: z.enum(['planner', 'claude'], { message: '--proposer must be planner or claude' }).optional(),
  model: z.string().min(1, '--model must name a model').default(DEFAULT_MODEL),
  program: z.string().min(1).optional(),
  'max-turns': flagNumber('max-turns', z, { int: true, min: 1 }).default(10),
  'no-prefetch': z.boolean().default(false),
  decision: z.enum(POLICY_NAMES, { message: `--decision must be one of ${POLICY_NAMES.join(', ')}` }).default('noise-aware'),
  'baseline-runs': flagNumber('baseline-runs', z, { int: true, min: 1 }).default(5),
  'ablation-runs': flagNumber('ablation-runs', z, { int: true, min: 1 }).default(3),
  'simplify-margin': flagNumber('simplify-margin', z, { min: 0 }).default(0.5),
  interactions: flagNumber('interactions', z, { int: true, min: 0 }).default(3),
  'redundancy-top': flagNumber('redundancy-top', z, { int: true, min: 0 }).default(3),
  design: z.enum(['loco', 'factorial'], { message: '--design must be loco or factorial' }).default('loco'),
  'control-every': flagNumber('control-every', z, { int: true, min: 0 }).default(10),
  grace: flagNumber('grace', z, { min: 0 }).optional(),
  isolation: z.enum(['auto', 'strict', 'none'], { message: '--isolation must be auto, strict or none' }).default('auto'),
  'memory-limit': flagNumber('memory-limit', z, { min: 0.1 }).optional(),
  'open-files': flagNumber('open-files', z, { int: true, min: 16 }).optional(),
  'max-processes': flagNumber('max-processes', z, { int: true, min: 0 }).optional(),
  'disk-quota': flagNumber('disk-quota', z, { min: 0 }).optional(),
  executor: z.enum(['local', 'slurm'], { message: '--executor must be local or slurm' }).optional(),
  parallel: flagNumber('parallel', z, { int: true, min: 1 }).optional(),
  gpus: z.string().min(1, '--gpus must list GPU ids, e.g. --gpus 0,1').optional(),
  'gpus-per-run': flagNumber('gpus-per-run', z, { int: true, min: 1 }).optional(),
  'allow-mixed-gpus': z.boolean().default(false),
  'slurm-args': z.string().optional(),
  db: z.string().default('experiments.db'),
  headless: z.boolean().default(false),
  resume: z.boolean().default(false),
  new: z.boolean().default(false),
});

const spec = {
  name: 'run',
  usage: USAGE,
  schema: Flags,
  options: {
    sandbox: { type: 'string' },
    budget: { type: 'string' },
    'max-experiments': { type: 'string' },
    'max-runs': { type: 'string' },
    hours: { type: 'string' },
    until: { type: 'string' },
    proposer: { type: 'string' },
    model: { type: 'string' },
    program: { type: 'string' },
    'max-turns': { type: 'string' },
    'no-prefetch': { type: 'boolean' },
    decision: { type: 'string' },
    'baseline-runs': { type: 'string' },
    'ablation-runs': { type: 'string' },
    'simplify-margin': { type: 'string' },
    interactions: { type: 'string' },
    'redundancy-top': { type: 'string' },
    design: { type: 'string' },
    'control-every': { type: 'string' },
    grace: { type: 'string' },
    isolation: { type: 'string' },
    'memory-limit': { type: 'string' },
    'open-files': { type: 'string' },
    'max-processes': { type: 'string' },
    'disk-quota': { type: 'string' },
    executor: { type: 'string' },
    parallel: { type: 'string' },
    gpus: { type: 'string' },
    'gpus-per-run': { type: 'string' },
    'allow-mixed-gpus': { type: 'boolean' },
    'slurm-args': { type: 'string' },
    db: { type: 'string' },
    headless: { type: 'boolean' },
    resume: { type: 'boolean' },
    new: { type: 'boolean' },
  },
} as const;

export async function runCommand(argv: string[]): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (flags.hours !== undefined && flags.until !== undefined) throw new UserError('--hours and --until both set the end of the night; give one');
  if (flags.resume && flags.new) throw new UserError('--resume continues the latest session and --new starts another; give one');
  // The key arrives from the first process on a pipe (secret-handoff.ts); this process's own
  // environment, which every run's would be derived from, never holds it.
  const env: NodeJS.ProcessEnv = { ...process.env, ...handedSecrets() };
  const proposer = flags.proposer ?? (env.ANTHROPIC_API_KEY ? 'claude' : 'planner');
  if (proposer === 'claude') await refuseUnsandboxedClaude(flags.isolation);
  const requested: SessionOptions = {
    sandbox: flags.sandbox,
    budgetS: flags.budget,
    graceS: flags.grace ?? defaultGrace(flags.budget),
    maxExperiments: flags['max-experiments'] ?? null,
    maxExperimentsGiven: flags['max-experiments'] !== undefined,
    maxRuns: flags['max-runs'] ?? null,
    maxRunsGiven: flags['max-runs'] !== undefined,
    deadline: deadlineOf(flags, new Date()),
    deadlineGiven: flags.hours !== undefined || flags.until !== undefined,
    proposer,
    decision: flags.decision,
    baselineRuns: flags['baseline-runs'],
    ablationRuns: flags['ablation-runs'],
    simplifyMarginSd: flags['simplify-margin'],
    interactionTop: flags.interactions,
    redundancyTop: flags['redundancy-top'],
    design: flags.design,
    controlEvery: flags['control-every'],
    isolation: flags.isolation,
    memoryGb: flags['memory-limit'] ?? defaultLimits().memoryGb,
    openFiles: flags['open-files'] ?? defaultLimits().openFiles,
    // Absent: the runner's defaults; 0 on the command line: no limit.
    ...(flags['max-processes'] === undefined ? {} : { maxProcesses: flags['max-processes'] || null }),
    ...(flags['disk-quota'] === undefined ? {} : { diskQuotaGb: flags['disk-quota'] || null }),
    // Absent for the default (one run at a time, no executor flag): the sequential loop as before.
    ...optional('executor', executorSettings(executorFlags(flags))),
  };
  const claudeFlags: ClaudeFlags = { model: flags.model, program: flags.program, maxTurns: flags['max-turns'], prefetch: !flags['no-prefetch'] };
  // The SDK loads only for Claude sessions; a bad key, model or programme file is one clear
  // error before any session is opened.
  const claudeSetup = () => import('../../proposers/claude/setup.ts');
  const checked = proposer === 'claude' ? await (await claudeSetup()).prepareClaude(env, claudeFlags) : null;

  const db = openLogForWriting(flags.db);
  try {
    const sessions = new SessionStore(db);
    const experiments = new ExperimentStore(db);
    const opened = await openSession(sessions, experiments, flags.db, requested, flags.resume ? 'resume' : flags.new ? 'new' : 'auto');
    // A resumed session keeps its proposer: a Claude one needs the sandbox as much as a new one.
    if (opened.options.proposer === 'claude' && !opened.isolation.bwrap && flags.isolation !== 'none') throw unsandboxedClaude(null);
    const planner = new Planner({
      ablationRuns: opened.options.ablationRuns,
      interactionTop: opened.options.interactionTop,
      redundancyTop: opened.options.redundancyTop ?? 0,
      design: opened.options.design ?? 'loco',
      baselineRuns: opened.options.baselineRuns,
    });
    // A resumed session keeps its own proposer, whatever this command line asked for.
    const claude = opened.options.proposer === 'claude' ? (checked ?? (await (await claudeSetup()).prepareClaude(env, claudeFlags))) : null;
    const bus = new EventBus();
    const policy = createPolicy(opened.options.decision, opened.options);
    const deps: LoopDeps = {
      db,
      sessions,
      experiments,
      metrics: new MetricsWriter(db),
      proposer: claude ? (await claudeSetup()).createClaudeProposer(claude, db, opened, planner, policy) : planner,
      policy,
      bus,
    };
    // A resumed session runs where it began (its stored executor), whatever this command line says.
    const notes: string[] = [];
    const loop = opened.options.executor ? await parallelLoop(opened, deps, notes) : new ExperimentLoop(opened, deps);
    // The live dashboard on a terminal; plain lines for --headless, pipes and files.
    const closeDashboard = !flags.headless && process.stdout.isTTY ? (await loadDashboard()).mountRunDashboard(db, opened.session.id, bus, loop) : null;
    if (!closeDashboard) bus.subscribe(printHeadless());
    for (const message of [...(opened.note ? [opened.note] : []), ...notes, ...(claude?.warnings ?? [])]) bus.emit({ type: 'warning', message });
    const onSignal = () => loop.requestStop();
    // Started without the secrets (secret-handoff.ts), a Ctrl-C arrives twice: from the terminal
    // and relayed by the first process. Only the relayed one counts, so one Ctrl-C is one.
    const ignore = () => {};
    const interrupt = startedByHandOff() ? RELAYED_SIGINT : 'SIGINT';
    if (interrupt !== 'SIGINT') process.on('SIGINT', ignore);
    process.on(interrupt, onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const session = await loop.run();
      return session.status === 'finished' || session.end_reason === 'stopped by the user' ? 0 : 1;
    } finally {
      process.off('SIGINT', ignore);
      process.off(interrupt, onSignal);
      process.off('SIGTERM', onSignal);
      await closeDashboard?.();
    }
  } finally {
    db.close();
  }
}

/** --hours or --until as an absolute time, stored with the session so a resume keeps the same morning. */
function deadlineOf(flags: { hours?: number; until?: string }, now: Date): string | null {
  if (flags.hours !== undefined) return deadlineAfterHours(flags.hours, now).toISOString();
  if (flags.until !== undefined) return nextTimeOfDay(flags.until, now).toISOString();
  return null;
}

/** The one sentence for a Claude session that would run its LLM-written code without bubblewrap. */
function unsandboxedClaude(reason: string | null): UserError {
  const why = reason ? `, and ${reason}` : ', and bubblewrap does not work here';
  return new UserError(
    `the Claude proposer runs the code it writes only inside bubblewrap${why}: install bubblewrap, or pass --isolation none to run LLM-written code unsandboxed`,
  );
}

/**
 * Claude's code is not run without bubblewrap unless the user says so (--isolation none);
 * strict mode's own refusal comes from chooseIsolation. Checked before the log is opened.
 */
async function refuseUnsandboxedClaude(mode: IsolationMode): Promise<void> {
  if (mode === 'none') return;
  const isolation = await chooseIsolation(mode);
  if (isolation.bwrap) return;
  const probe = await probeBwrap();
  // The reason's gist ("bwrap is not installed"), not the command line it may quote: one short line.
  throw unsandboxedClaude(probe.usable ? null : probe.reason.split(' (')[0]!);
}

function executorFlags(flags: z.infer<typeof Flags>): ExecutorFlags {
  return {
    executor: flags.executor,
    parallel: flags.parallel,
    gpus: flags.gpus,
    gpusPerRun: flags['gpus-per-run'],
    allowMixedGpus: flags['allow-mixed-gpus'] || undefined,
    slurmArgs: flags['slurm-args'],
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The loop with N slots, its executor built from the stored settings; Slurm is probed first, so a cluster that cannot run a job says so now. */
async function parallelLoop(opened: OpenedSession, deps: LoopDeps, notes: string[]): Promise<ParallelLoop> {
  const built = await buildExecutor(opened.options.executor!, path.join(path.dirname(opened.workspace.dir), 'runs'));
  if (built.probe) {
    try {
      notes.push(await built.probe());
    } catch (error) {
      // The probe's failure is one sentence for the user (no shared folder, no job started in time).
      throw new UserError((error as Error).message);
    }
  }
  return new ParallelLoop(opened, deps, built);
}
