/**
 * The default sandbox's speed and quality on this machine:
 * - tokens/s of training steps for every TensorFlow.js backend that loads here (train.ts run as
 *   the agent runs it, with NIGHTSHIFT_TFJS_BACKEND set and a short budget);
 * - model FLOPs per token (6 × matmul weights + 12 × layers × context × width, the PaLM count,
 *   with the one-hot embedding counted because it is a real matmul here) and the FLOPs
 *   utilisation against (a) this CPU's theoretical fp32 peak, cores × clock × FLOP/cycle from
 *   /proc/cpuinfo flags (32 with AVX2+FMA: two 256-bit FMA pipes), for all cores and for the one
 *   core a Node backend uses, and (b) the best 2-D matMul rate measured on that backend;
 * - val_bpb after 60 s of training (and 300 s with --long), scored by the sealed evaluation,
 *   against the floor and count models.
 *
 *   npx tsx bench/sandbox-throughput.ts [--long] [--step-budget SECONDS=20] [--backends cpu,wasm]
 *
 * Prints a report and writes bench/out/sandbox-throughput.json. The machine is often shared:
 * the load average before and after is printed with the figures.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { syntheticData, type TrainingData } from '../sandbox/prepare.ts';
import { syntheticValidation, type Validation } from '../sandbox/validation.ts';
import { copySandbox, evaluationDir, runSealed, runTrain } from '../test/sandbox/run-sandbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SANDBOX = path.join(ROOT, 'sandbox');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const { values: flags } = parseArgs({
  options: { long: { type: 'boolean', default: false }, 'step-budget': { type: 'string', default: '20' }, backends: { type: 'string' } },
});
const stepBudget = Number(flags['step-budget']);
const BACKENDS = (flags.backends ?? 'node-gpu,node,wasm,cpu').split(',');

type Final = Record<string, number | string | boolean | null>;

/**
 * Runs sandbox/train.ts (no NIGHTSHIFT_STEPS, so its step plan is measured now) until its last
 * planned step is logged, and returns that step line.
 */
function timeSteps(env: Record<string, string>, timeoutS: number): Promise<{ final: Final | null; error: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bench-'));
  return new Promise((resolve) => {
    const child = spawn(TSX, ['train.ts'], {
      cwd: SANDBOX,
      env: { PATH: process.env.PATH, HOME: os.homedir(), TMPDIR: tmp, NIGHTSHIFT_OUT: tmp, NIGHTSHIFT_SEED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutS * 1000,
    });
    let planned = Infinity;
    let result: Final | null = null;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const plan = /(\d+) steps planned/.exec(line);
      if (plan) planned = Number(plan[1]);
      if (!line.startsWith('@ns ')) return;
      const fields = JSON.parse(line.slice(4)) as Final;
      if (fields.step === planned) {
        result = fields;
        child.kill();
      }
    });
    child.on('close', () => {
      fs.rmSync(tmp, { recursive: true, force: true });
      resolve({ final: result, error: result ? '' : stderr.trim().split('\n').pop() || 'no output (timed out?)' });
    });
  });
}

function machine() {
  const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
  const flagSet = new Set(field('flags').split(' '));
  const flopsPerCycle = flagSet.has('avx512f') ? 64 : flagSet.has('avx2') && flagSet.has('fma') ? 32 : flagSet.has('avx') ? 16 : 8;
  const ghz = Number(field('cpu MHz')) / 1000;
  const cores = os.cpus().length;
  return { model: field('model name'), cores, ghz, flopsPerCycle, peakGflops: cores * ghz * flopsPerCycle, corePeakGflops: ghz * flopsPerCycle };
}

/** train.ts's config values, read from its marked lines (importing it would start a run). */
function sandboxConfig(): Record<string, number | boolean | string> {
  const text = fs.readFileSync(path.join(SANDBOX, 'train.ts'), 'utf8');
  const config: Record<string, number | boolean | string> = {};
  for (const m of text.matchAll(/^\s*(\w+): ('[^']*'|[^,]+), \/\/ @(?:knob|ablate)/gm)) {
    const raw = m[2]!;
    config[m[1]!] = raw.startsWith("'") ? raw.slice(1, -1) : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
  }
  return config;
}

function flopsPerToken(c: Record<string, number | boolean | string>, vocab: number): number {
  const d = c.dModel as number;
  const L = c.layers as number;
  const T = c.blockSize as number;
  const weights = 2 * vocab * d + L * ((c.attention ? 4 * d * d : 0) + (c.mlp ? 2 * d * d * (c.mlpRatio as number) : 0));
  return 6 * weights + (c.attention ? 12 * L * T * d : 0);
}

/**
 * Best GFLOP/s of a 2-D matMul on the current backend, over square sizes and the shapes of the
 * model's own layers (a backend's fast path can depend on the shape), each time-boxed. Only a
 * scalar is read back: reading a large result back from wasm costs more than the product.
 */
function matmulPeak(c: Record<string, number | boolean | string>): number {
  const rows = (c.batchSize as number) * (c.blockSize as number);
  const d = c.dModel as number;
  const hidden = d * (c.mlpRatio as number);
  const shapes = [
    [256, 256, 256],
    [512, 512, 512],
    [rows, d, hidden],
    [rows, hidden, d],
    [rows, d, 3 * d],
  ];
  let best = 0;
  for (const [m, k, n] of shapes as Array<[number, number, number]>) {
    const [a, b] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
    tf.tidy(() => tf.matMul(a, b).sum().dataSync());
    let reps = 0;
    const start = performance.now();
    while (reps < 2 || performance.now() - start < 1000) {
      tf.tidy(() => tf.matMul(a, b).sum().dataSync());
      reps++;
    }
    best = Math.max(best, (2 * m * k * n * reps) / ((performance.now() - start) / 1000) / 1e9);
    tf.dispose([a, b]);
  }
  return best;
}

async function loadBackend(name: string): Promise<boolean> {
  const pkg: Record<string, string> = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node', wasm: '@tensorflow/tfjs-backend-wasm' };
  try {
    if (pkg[name]) await import(pkg[name]);
    return await tf.setBackend(name === 'node' || name === 'node-gpu' ? 'tensorflow' : name);
  } catch {
    return false;
  }
}

/** Bits per character of an order-n count model (add-0.01 smoothing) on the validation text. */
function countModelBpb(data: TrainingData, validation: Validation, order: number): number {
  const key = (ids: ArrayLike<number>, end: number) => Array.prototype.join.call(Array.prototype.slice.call(ids, end - order + 1, end), ',');
  const counts = new Map<string, Map<number, number>>();
  for (let i = order - 1; i < data.train.length; i++) {
    const k = key(data.train, i);
    const m = counts.get(k) ?? new Map<number, number>();
    m.set(data.train[i]!, (m.get(data.train[i]!) ?? 0) + 1);
    counts.set(k, m);
  }
  const all = Int32Array.from([...validation.context, ...validation.val]);
  let bits = 0;
  for (let i = validation.context.length; i < all.length; i++) {
    const m = counts.get(key(all, i));
    let total = 0;
    for (const v of m?.values() ?? []) total += v;
    bits -= Math.log2(((m?.get(all[i]!) ?? 0) + 0.01) / (total + 0.01 * data.vocab.length));
  }
  return bits / validation.val.length;
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
const cpu = machine();
const config = sandboxConfig();
const data = syntheticData();
const validation = syntheticValidation();
const perToken = flopsPerToken(config, data.vocab.length);
console.log(`machine: ${cpu.model}, ${cpu.cores} cores at ${cpu.ghz.toFixed(2)} GHz, ${cpu.flopsPerCycle} fp32 FLOP/cycle/core`);
console.log(`theoretical fp32 peak: ${cpu.peakGflops.toFixed(1)} GFLOP/s (all cores), ${cpu.corePeakGflops.toFixed(1)} GFLOP/s (one core)`);
console.log(`load average before: ${loadBefore}`);
console.log(`model: ${JSON.stringify(config)}; ${(perToken / 1e6).toFixed(3)} MFLOP per training token`);

const backends: Array<Record<string, unknown>> = [];
for (const name of BACKENDS) {
  if (!(await loadBackend(name))) {
    console.log(`${name}: does not load here`);
    continue;
  }
  const peak = matmulPeak(config);
  const { final: last, error } = await timeSteps({ NIGHTSHIFT_TFJS_BACKEND: name, NIGHTSHIFT_BUDGET_S: String(stepBudget) }, stepBudget * 3 + 300);
  if (!last) {
    console.log(`${name}: training failed: ${error}`);
    continue;
  }
  const tps = last.tokens_per_s as number;
  const gflops = (tps * perToken) / 1e9;
  const row = {
    backend: name,
    tokens_per_s: Math.round(tps),
    ms_per_step: +((1000 * (config.batchSize as number) * (config.blockSize as number)) / tps).toFixed(1),
    steps: last.step,
    model_gflops: +gflops.toFixed(3),
    matmul_peak_gflops: +peak.toFixed(2),
    mfu_all_cores: +(gflops / cpu.peakGflops).toFixed(4),
    mfu_one_core: +(gflops / cpu.corePeakGflops).toFixed(4),
    of_matmul_peak: +(gflops / peak).toFixed(4),
  };
  backends.push(row);
  console.log(
    `${name}: ${row.tokens_per_s} tokens/s (${row.ms_per_step} ms/step over ${row.steps} steps), ${row.model_gflops} GFLOP/s; ` +
      `MFU ${(100 * row.mfu_all_cores).toFixed(2)}% of all cores, ${(100 * row.mfu_one_core).toFixed(2)}% of one core, ` +
      `${(100 * row.of_matmul_peak).toFixed(1)}% of its own best matMul (${row.matmul_peak_gflops} GFLOP/s)`,
  );
}

const baselines = Object.fromEntries(
  (
    [
      ['unigram', 1],
      ['bigram', 2],
      ['4-gram', 4],
      ['6-gram', 6],
    ] as const
  ).map(([name, n]) => [name, countModelBpb(data, validation, n)]),
);
console.log(
  `count models on the same validation text (bits/char): ${Object.entries(baselines)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ')}`,
);

const quality: Array<Record<string, unknown>> = [];
for (const budget of flags.long ? [60, 300] : [60]) {
  const workspace = copySandbox();
  const env = { NIGHTSHIFT_BUDGET_S: String(budget), NIGHTSHIFT_SEED: '1', NIGHTSHIFT_OUT: fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bench-out-')) };
  const training = await runTrain(workspace, env, fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bench-tmp-')), (budget * 2 + 180) * 1000);
  const sealed = training.final ? await runSealed(workspace, evaluationDir(), env) : null;
  if (!training.final || !sealed?.final || !('val_bpb' in sealed.final)) {
    console.log(`${budget} s run failed: ${sealed?.result.reason ?? training.stderr.trim().split('\n').pop()}`);
    continue;
  }
  const { val_bpb: valBpb } = sealed.final;
  const floor = validation.floor!;
  quality.push({ budget_s: budget, ...training.final, val_bpb: valBpb, floor });
  console.log(
    `${budget} s of training on ${training.final.backend}: val_bpb ${valBpb} vs floor ${floor.toFixed(4)} ` +
      `(gap ${((valBpb as number) - floor).toFixed(3)}), ${training.final.steps}/${training.final.planned_steps} steps, ${training.final.tokens_per_s} tokens/s`,
  );
}

const loadAfter = load();
console.log(`load average after: ${loadAfter}`);
fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
fs.writeFileSync(
  path.join(ROOT, 'bench/out/sandbox-throughput.json'),
  `${JSON.stringify({ machine: cpu, load_before: loadBefore, load_after: loadAfter, config, flops_per_token: perToken, backends, baselines, quality }, null, 2)}\n`,
);
