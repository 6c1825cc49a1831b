/**
 * What the sealed evaluation costs a run of the default sandbox: one run trains for --budget
 * seconds (default 300) in a workspace, then evaluate.ts talks to `tsx train.ts predict` through
 * the runner's relay (agent/runner/evaluation.ts), as nightshift runs it. Printed, in seconds and
 * as a share of the run's wall time (training process + evaluation):
 * - evaluate start: the evaluator's process start up to its first line of code (tsx, imports);
 * - predict start + load: until the predictor answered `info` (tsx, TensorFlow.js, the model);
 * - scoring: the main pass's requests and their scores;
 * - probe: the causality probe's requests;
 * - the evaluation's whole wall time, as the runner measured it.
 *
 *   npx tsx bench/evaluation-cost.ts [--budget SECONDS=300] [--seed N=1]
 *
 * Writes bench/out/evaluation-cost.json. The machine is often shared: its load average before
 * and after is printed with the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { copySandbox, evaluationDir, ROOT, runSealed, runTrain, tempDir } from '../test/sandbox/run-sandbox.ts';

const { values: flags } = parseArgs({ options: { budget: { type: 'string', default: '300' }, seed: { type: 'string', default: '1' } } });
const budget = Number(flags.budget);
if (!(budget > 0)) throw new Error(`--budget ${flags.budget} is not a positive number of seconds`);

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
const workspace = copySandbox();
const env = { NIGHTSHIFT_BUDGET_S: String(budget), NIGHTSHIFT_SEED: flags.seed, NIGHTSHIFT_OUT: tempDir('ns-bench-out-') };

const trainStart = performance.now();
const training = await runTrain(workspace, env, tempDir('ns-bench-tmp-'), (budget * 1.1 + 60) * 1000);
const trainS = (performance.now() - trainStart) / 1000;
if (!training.final) throw new Error(`training did not finish: ${training.stderr.trim().split('\n').pop()}`);

const sealed = await runSealed(workspace, evaluationDir(), env);
if (sealed.result.status !== 'done') throw new Error(`the evaluation ended ${sealed.result.status}: ${sealed.result.reason}`);
const timing =
  /^evaluate\.ts: started at ([\d.]+) s, predictor ready at ([\d.]+) s, scoring ([\d.]+) s \((\d+) requests\), probe ([\d.]+) s \((\d+) requests\)$/m.exec(
    sealed.log,
  );
if (!timing) throw new Error("the evaluation's log has no timing line");
const [evaluateStart, ready, scoring, , probe] = timing.slice(1).map(Number) as [number, number, number, number, number];
const evaluationS = sealed.result.runS;
const runS = trainS + evaluationS;

const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
const rows: Array<[string, number]> = [
  ['evaluate start', evaluateStart],
  ['predict start + load', ready],
  ['scoring', scoring],
  ['probe', probe],
  ['evaluation, whole (runner)', evaluationS],
];
console.log(`machine: ${cpu}, ${os.cpus().length} cores; load ${loadBefore} before, ${load()} after`);
console.log(
  `training: budget ${budget} s, process wall ${trainS.toFixed(1)} s, ${training.final.steps} steps, val_bpb ${sealed.result.metric} (floor ${sealed.result.floor})`,
);
console.log(`evaluation (${timing[4]} scoring + ${timing[6]} probe requests), share of the run's wall time ${runS.toFixed(1)} s:`);
for (const [name, s] of rows) console.log(`  ${name.padEnd(28)} ${s.toFixed(2).padStart(7)} s  ${((100 * s) / runS).toFixed(2).padStart(6)} %`);
console.log('  (predict start + load overlaps evaluate start: both processes start together)');

const out = path.join(ROOT, 'bench/out');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(
  path.join(out, 'evaluation-cost.json'),
  JSON.stringify({ cpu, cores: os.cpus().length, budget, trainS, runS, valBpb: sealed.result.metric, seconds: Object.fromEntries(rows) }, null, 2),
);
