/**
 * What `nightshift adopt` says about a project after its two check runs (README, "Porting an
 * existing script"): each thing the training-script protocol needs and the runs did not show, one
 * line with what to do about it (the Python helper's function for it), and notes that do not stop
 * a session (the seal level, markers, a wall-clock stop). Pure: the runs come in as data.
 */
import { type SandboxConfig, sealLevel } from '../config/load.ts';
import type { StepMetrics } from '../store/metrics.ts';

export interface CheckRun {
  seed: number;
  /** The run's status as the measurement recorded it (done, crashed, timeout, diverged, invalid…). */
  status: string;
  reason: string | null;
  exitCode: number | null;
  runS: number;
  /** The training's final line (or autoresearch's summary block, read as one). */
  final: Record<string, unknown> | null;
  /** The evaluation's final line, for a project with an `evaluate` command. */
  evaluation: Record<string, unknown> | null;
  steps: readonly StepMetrics[];
  /** What it printed, for the seed comparison when it prints no @ns lines. */
  log: string;
}

export interface CheckInput {
  config: Pick<SandboxConfig, 'metric' | 'protocol' | 'evaluate' | 'predict' | 'editable'>;
  budgetS: number;
  graceS: number;
  /** @knob and @ablate lines in the editable files. */
  markers: number;
  runs: readonly CheckRun[];
}

/** `missing` findings keep a project from being ready; notes are said and do not. */
export interface Finding {
  missing: boolean;
  text: string;
}

const HELP = '(helpers/README.md)';

export function findings(input: CheckInput): Finding[] {
  const { runs } = input;
  const crashes = runs.filter(crashedOnItsOwn);
  // A script that fails before it gets going shows nothing else worth judging.
  if (crashes.length === runs.length && runs.length > 0) return [...unique(crashes.map(crashFinding)), ...notes(input)];
  const found = [
    protocolFinding(input),
    finalFinding(input),
    seedFinding(input),
    ...budgetFindings(input),
    ...unique(crashes.map(crashFinding)),
    ...otherFaults(runs),
  ];
  return [...found.filter((f): f is Finding => f !== null), ...notes(input)];
}

export const isReady = (list: readonly Finding[]): boolean => !list.some((f) => f.missing);

const missing = (text: string): Finding => ({ missing: true, text });
const note = (text: string): Finding => ({ missing: false, text });

function unique(list: Finding[]): Finding[] {
  return list.filter((f, i) => list.findIndex((g) => g.text === f.text) === i);
}

/** Failed by its own exit (an exception, a signal), not by ending without a line nightshift reads. */
const crashedOnItsOwn = (run: CheckRun): boolean => run.status === 'crashed' && run.exitCode !== 0 && run.final === null;

function crashFinding(run: CheckRun): Finding {
  return missing(
    `the check run crashed: ${run.reason ?? `exited with code ${run.exitCode}`}; run it by hand with NIGHTSHIFT_BUDGET_S and NIGHTSHIFT_SEED set to see why`,
  );
}

const printedLines = (run: CheckRun): boolean => run.steps.length > 0 || run.final !== null;

function protocolFinding({ config, runs }: CheckInput): Finding | null {
  if (runs.some(printedLines)) return null;
  return config.protocol === 'autoresearch'
    ? missing(
        "no autoresearch summary block: end the run by printing '---' and then 'val_bpb: …', 'training_seconds: …' lines, as autoresearch's train.py does",
      )
    : missing(
        `no @ns lines, so no final ${config.evaluate === undefined ? config.metric : 'line'}: nightshift read nothing from its output; print progress with ns.report_step(step, train_loss=…) and end with ns.report_final(${config.evaluate === undefined ? `${config.metric}=…, ` : ''}**plan.facts(step)) ${HELP}`,
      );
}

function finalFinding({ config, runs }: CheckInput): Finding | null {
  if (!runs.some(printedLines)) return null;
  const metric = config.metric;
  const sealed = config.evaluate !== undefined;
  if (runs.every((r) => r.final === null)) {
    const fields = sealed ? 'train_loss=…' : `${metric}=…`;
    return missing(`no final line: end training with ns.report_final(${fields}, **plan.facts(step)) ${HELP}`);
  }
  if (sealed) {
    const failed = runs.find((r) => r.final !== null && typeof r.evaluation?.[metric] !== 'number' && r.status !== 'diverged');
    return failed ? missing(`the evaluation gave no ${metric}: ${failed.reason ?? 'no final line'}; evaluate ends with ns.report_final(${metric}=…)`) : null;
  }
  const without = runs.find((r) => r.final !== null && r.final[metric] === undefined);
  return without ? missing(`the final line has no ${metric}: report it there, ns.report_final(${metric}=…)`) : null;
}

/** Loss-like names: the numbers two seeds should disagree on. */
const lossLike = (name: string, metric: string): boolean => name === metric || /loss|bpb|ppl|perplexity|acc/i.test(name);

/** A number printed right after a loss-like word: `train loss 4.1747`, `loss: 2.3`, `val_bpb 1.2`. */
const LOG_NUMBER = /(?:loss|bpb|ppl|perplexity|acc\w*)\W{0,3}(-?\d+(?:\.\d+)?(?:e-?\d+)?)/gi;

/**
 * What a run printed that depends on the seed, keyed by where it was printed: the @ns lines' loss
 * values by step (the final ones as `final`), or, with no such lines, the numbers after loss words
 * in the log text, in order.
 */
function observations(run: CheckRun, metric: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const s of run.steps)
    for (const [name, value] of Object.entries(s.values)) if (value !== null && lossLike(name, metric)) seen.set(`${s.step} ${name}`, value);
  for (const [where, fields] of [['final', run.final] as const, ['evaluation', run.evaluation] as const]) {
    for (const [name, value] of Object.entries(fields ?? {})) if (typeof value === 'number' && lossLike(name, metric)) seen.set(`${where} ${name}`, value);
  }
  if (seen.size > 0) return seen;
  let i = 0;
  for (const m of run.log.matchAll(LOG_NUMBER)) seen.set(`log ${i++}`, Number(m[1]));
  return seen;
}

/** Two seeds, the same numbers where both printed them: the first few are enough, later ones may follow the clock. */
function seedFinding({ config, runs }: CheckInput): Finding | null {
  const [a, b] = runs;
  if (!a || !b) return null;
  const first = observations(a, config.metric);
  const second = observations(b, config.metric);
  const shared = [...first.keys()].filter((k) => second.has(k)).slice(0, 5);
  if (shared.length === 0 || shared.some((k) => first.get(k) !== second.get(k))) return null;
  return missing(
    `the seed is ignored: seeds ${a.seed} and ${b.seed} printed the same numbers, so repeated runs measure no noise; seed from the environment, env = ns.read_env(); ns.seed_everything(env.seed), instead of a fixed manual_seed ${HELP}`,
  );
}

const STEP_PLAN = 'train a step plan that ends with the budget: plan = ns.plan_steps(env, lambda: ns.time_steps(step, env.budget_s)), while plan.running(step)';

function budgetFindings({ config, runs, budgetS, graceS }: CheckInput): Finding[] {
  const late = runs.find((r) => r.status === 'timeout' || (r.status === 'invalid' && r.reason?.includes('past the budget')));
  if (late) {
    const why = late.status === 'timeout' ? `was killed after ${budgetS + graceS} s (NIGHTSHIFT_BUDGET_S=${budgetS} plus ${graceS} s grace)` : late.reason;
    return [missing(`it ran past the budget: it ${why}; ${STEP_PLAN} ${HELP}`)];
  }
  const fields = runs.flatMap((r) => [...Object.keys(r.final ?? {}), ...(r.steps.some((s) => s.elapsed_s !== null) ? ['elapsed_s'] : [])]);
  const planned = fields.includes('planned_steps');
  const timed = planned || fields.includes('elapsed_s') || fields.includes('training_s');
  if (!timed) {
    const ran = Math.max(...runs.map((r) => r.runS));
    return [
      missing(
        `no budget handling: it ran ${ran.toFixed(1)} s of a ${budgetS} s budget and printed no elapsed_s or planned_steps, so nothing shows it read NIGHTSHIFT_BUDGET_S; ${STEP_PLAN}, and report_final(**plan.facts(step)) ${HELP}`,
      ),
    ];
  }
  if (planned || config.protocol === 'autoresearch') return [];
  return [
    note(
      'no planned_steps: a wall-clock stop trains as many steps as the machine allows, which varies from run to run; ns.plan_steps makes every run of a configuration train the same steps',
    ),
  ];
}

/** Faults the other findings do not already explain: a divergence, a broken rule of the measurement. */
function otherFaults(runs: readonly CheckRun[]): Finding[] {
  const explained = (reason: string) => reason.includes('NIGHTSHIFT_SEED') || reason.includes('seed is ignored') || reason.includes('past the budget');
  return unique(
    runs.flatMap((r) => {
      if (r.status === 'diverged') return [missing(`the check run on seed ${r.seed} diverged: ${r.reason ?? 'its metric is not a number'}`)];
      if (r.status === 'invalid' && r.reason && !explained(r.reason))
        return [missing(`the check run on seed ${r.seed} broke a rule of the measurement: ${r.reason}`)];
      return [];
    }),
  );
}

function notes({ config, markers }: CheckInput): Finding[] {
  const level = sealLevel(config);
  const seal = {
    'self-reported': `seal: self-reported: ${config.metric} comes from code experiments edit; a read-only "evaluate" that scores the saved model makes it separate, a "predict" beside it (ns.serve_predictions) sealed`,
    separate: `seal: separate: a read-only evaluate sets ${config.metric}, importing the workspace's model code; a "predict" command (ns.serve_predictions) would seal it`,
    sealed: `seal: sealed: a read-only evaluate sets ${config.metric} and reaches the model only through predict`,
  }[level];
  const marks =
    markers > 0
      ? []
      : [
          note(
            `no @knob or @ablate markers in ${config.editable.join(', ')}: the planner has nothing to change (the claude proposer edits freely); mark a line like lr = 3e-3  # @knob 1e-4..1e-2 log`,
          ),
        ];
  return [note(seal), ...marks];
}
