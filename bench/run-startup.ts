/**
 * Where a default-sandbox run's wall time goes, and how many steps a configuration trains.
 *
 *   npx tsx bench/run-startup.ts split [--budget 300] [--seed 1] [--no-compile]
 *   npx tsx bench/run-startup.ts steps [--budget 20] [--runs 10]
 *
 * split: the sandbox's prepare command once, as nightshift runs it once per session (the corpus into
 * NIGHTSHIFT_CACHE), then the training command through nightshift's runner
 * (agent/runner/run-training.ts, which knows when the process started), then the sealed evaluation
 * through its relay, twice (the run's TypeScript compiled first into NIGHTSHIFT_COMPILED, as the
 * agent does, unless --no-compile: then each process loads esbuild and compiles its own): the
 * first run of a configuration (it makes the plan: a second's timing, then a lead-in of real steps)
 * and a later one (NIGHTSHIFT_STEPS and NIGHTSHIFT_LEAD_STEPS from the first). Each run's wall time is split into start-up (process start to the first training
 * step: the runner's clock at the first step line less that line's elapsed_s), training (the final
 * line's elapsed_s), save and exit (the rest of the process's life) and the evaluation (both its
 * processes, as the runner measures them).
 *
 * steps: --runs rounds of three short runs of one configuration, in turn so that the machine's load
 * falls on each alike: the step plan as nightshift uses it (timed once, then NIGHTSHIFT_STEPS), the
 * plan timed afresh by every run (what each first run of a configuration does), and a plain
 * wall-clock stop (train.ts patched to stop at the budget). Prints steps and training seconds per
 * kind.
 *
 * The machine is usually shared: its load average before and after is printed with the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compileForRun } from '../agent/measurement/compiled-ts.ts';
import { runTraining } from '../agent/runner/run-training.ts';
import { CONFIG, copySandbox, evaluationDir, ROOT, runSealed, runTrain, shell, tempDir } from '../test/sandbox/run-sandbox.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    budget: { type: 'string' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '10' },
    'no-compile': { type: 'boolean', default: false },
  },
});
const mode = positionals[0] ?? 'split';
if (mode !== 'split' && mode !== 'steps') throw new Error(`unknown mode ${mode}: split or steps`);
const budget = Number(flags.budget ?? (mode === 'split' ? 300 : 20));
const runs = Number(flags.runs);
if (!(budget > 0)) throw new Error(`--budget ${flags.budget} is not a positive number of seconds`);
if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`--runs ${flags.runs} is not a positive whole number`);

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
const machine = `machine: ${cpu}, ${os.cpus().length} cores; load ${load()} before`;
const protocolEnv = (extra: Record<string, string>) => ({
  PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  HOME: os.homedir(),
  TMPDIR: tempDir('ns-bench-tmp-'),
  NIGHTSHIFT_BUDGET_S: String(budget),
  NIGHTSHIFT_SEED: flags.seed,
  ...extra,
});

interface Split {
  startup: number;
  training: number;
  saveAndExit: number;
  evaluation: number;
  plannedSteps: number;
  steps: number;
}

/** The session's cache, made once: its folder and the seconds the prepare command took. */
async function prepareOnce(): Promise<{ cache: string; seconds: number }> {
  const cache = tempDir('ns-bench-cache-');
  const started = performance.now();
  const made = await shell(CONFIG.prepare, { cwd: copySandbox(), env: protocolEnv({ NIGHTSHIFT_CACHE: cache }) });
  if (made.code !== 0) throw new Error(`the prepare command failed: ${made.stderr.trim().split('\n').pop()}`);
  return { cache, seconds: (performance.now() - started) / 1000 };
}

/** One run through the runner and the sealed evaluation, split by the clocks above. */
async function splitRun(cache: string, steps: number | null): Promise<Split> {
  const workspace = copySandbox();
  // As the agent lays a session out: the compiled folder beside the workspace.
  const session = { workspace: { dir: path.join(tempDir('ns-bench-session-'), 'workspace') }, sandbox: { config: CONFIG } };
  const compiled: Record<string, string> = flags['no-compile'] ? {} : { NIGHTSHIFT_COMPILED: await compileForRun(session, { dir: workspace }) };
  const env = protocolEnv({
    NIGHTSHIFT_OUT: tempDir('ns-bench-out-'),
    NIGHTSHIFT_CACHE: cache,
    ...compiled,
    ...(steps === null ? {} : { NIGHTSHIFT_STEPS: String(steps) }),
  });
  const started = performance.now();
  let trainingStartS: number | null = null;
  const training = await runTraining({
    command: CONFIG.command,
    cwd: workspace,
    env,
    budgetS: budget,
    graceS: 30 + budget / 5,
    logPath: path.join(tempDir('ns-bench-log-'), 'run.log'),
    metric: null,
    onStep: (step) => {
      if (trainingStartS === null && step.elapsed_s !== null) trainingStartS = (performance.now() - started) / 1000 - step.elapsed_s;
    },
  });
  const elapsed = training.final?.elapsed_s;
  const planned = training.final?.planned_steps;
  const trained = training.final?.steps;
  if (training.status !== 'done' || typeof elapsed !== 'number' || typeof planned !== 'number' || typeof trained !== 'number' || trainingStartS === null) {
    throw new Error(`training ended ${training.status}: ${training.reason}`);
  }
  const sealed = await runSealed(workspace, evaluationDir(), env);
  if (sealed.result.status !== 'done') throw new Error(`the evaluation ended ${sealed.result.status}: ${sealed.result.reason}`);
  return {
    startup: trainingStartS,
    training: elapsed,
    saveAndExit: training.runS - trainingStartS - elapsed,
    evaluation: sealed.result.runS,
    plannedSteps: planned,
    steps: trained,
  };
}

function printSplit(title: string, s: Split): void {
  const wall = s.startup + s.training + s.saveAndExit + s.evaluation;
  const outside = s.startup + s.saveAndExit;
  console.log(`${title}: ${s.steps} of ${s.plannedSteps} planned steps in ${s.training.toFixed(1)} s of a ${budget} s budget, wall ${wall.toFixed(1)} s`);
  const rows: Array<[string, number]> = [
    ['start-up (to the first step)', s.startup],
    ['training', s.training],
    ['save and exit', s.saveAndExit],
    ['evaluation', s.evaluation],
    ['outside training and evaluation', outside],
  ];
  for (const [name, v] of rows) console.log(`  ${name.padEnd(32)} ${v.toFixed(2).padStart(8)} s  ${((100 * v) / wall).toFixed(2).padStart(6)} %`);
}

/** min / median / max, and the spread as a share of the median. */
function spread(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const range = sorted.at(-1)! - sorted[0]!;
  return `${sorted[0]!.toFixed(digits)} / ${median.toFixed(digits)} / ${sorted.at(-1)!.toFixed(digits)} (range ${((100 * range) / median).toFixed(1)} % of the median)`;
}

async function stepsPerRun(): Promise<void> {
  const planned = copySandbox();
  const wallClock = copySandbox({}, (train) => {
    const loop = 'while (plan.running(step)) {';
    if (!train.includes(loop)) throw new Error(`train.ts has no line ${loop}`);
    return train.replace(loop, 'while (plan.running(step) && plan.elapsedS() < env.budgetS) {');
  });
  const run = async (dir: string, extra: Record<string, string>) => {
    const result = await runTrain(dir, protocolEnv(extra), tempDir('ns-bench-tmp-'), (budget * 1.1 + 60) * 1000);
    if (!result.final) throw new Error(`a run did not finish: ${result.stderr.trim().split('\n').pop()}`);
    return result.final;
  };
  const plan = String((await run(planned, {})).planned_steps);
  const kinds = {
    'step plan, reused (NIGHTSHIFT_STEPS)': () => run(planned, { NIGHTSHIFT_STEPS: plan }),
    'step plan, timed by each run': () => run(planned, {}),
    'plain wall-clock stop': () => run(wallClock, { NIGHTSHIFT_STEPS: String(1e9) }),
  };
  const results = new Map<string, Array<{ steps: number; elapsed: number }>>(Object.keys(kinds).map((k) => [k, []]));
  for (let round = 0; round < runs; round++) {
    for (const [kind, go] of Object.entries(kinds)) {
      const final = await go();
      results.get(kind)!.push({ steps: final.steps, elapsed: final.elapsed_s });
    }
  }
  console.log(`${runs} runs of each kind, default configuration, seed ${flags.seed}, budget ${budget} s (the reused plan: ${plan} steps)`);
  for (const [kind, rows] of results) {
    console.log(`  ${kind}`);
    console.log(
      `    steps      min / median / max ${spread(
        rows.map((r) => r.steps),
        0,
      )}`,
    );
    console.log(
      `    training s min / median / max ${spread(
        rows.map((r) => r.elapsed),
        1,
      )}`,
    );
  }
}

console.log(machine);
if (mode === 'split') {
  const prepared = await prepareOnce();
  const first = await splitRun(prepared.cache, null);
  const later = await splitRun(prepared.cache, first.plannedSteps);
  console.log(
    `budget ${budget} s, seed ${flags.seed}, command: ${CONFIG.command}, ${flags['no-compile'] ? 'each process compiling its own TypeScript' : 'TypeScript compiled by the agent (NIGHTSHIFT_COMPILED)'}`,
  );
  console.log(`once per session: ${CONFIG.prepare}, ${prepared.seconds.toFixed(2)} s`);
  printSplit('first run of the configuration (times its steps)', first);
  printSplit('a later run (NIGHTSHIFT_STEPS)', later);
} else {
  await stepsPerRun();
}
console.log(`load ${load()} after`);
