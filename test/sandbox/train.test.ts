import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { decodeLogits, PredictAnswer } from '@nightshift/helpers';
import { CONFIG, copySandbox, errorLines, FIXTURES, ROOT, runTrain, SANDBOX, shell, SMALL, tempDir, type RunResult, type ShellResult } from './run-sandbox.ts';

const TMP = tempDir('ns-tmp-');
const TRAIN_TS = fs.readFileSync(path.join(SANDBOX, 'train.ts'), 'utf8');

function finished(r: RunResult) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-2000)}`);
  assert.ok(r.final, `not one final line:\n${r.stdout.slice(-2000)}`);
  return r.final;
}

/** The predict command in dir, fed `requests` on stdin; its stdout, stderr and exit code. */
function predict(dir: string, out: string | undefined, requests: unknown[]): Promise<ShellResult> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(out === undefined ? {} : { NIGHTSHIFT_OUT: out }) };
  return shell(CONFIG.predict, { cwd: dir, env, input: requests.map((r) => `${JSON.stringify(r)}\n`).join('') });
}

test('a 10-second run on the default backend: the loss falls, the facts validate, the model is saved', async () => {
  const out = tempDir('ns-out-');
  const r = await runTrain(copySandbox(), { NIGHTSHIFT_BUDGET_S: '10', NIGHTSHIFT_SEED: '1', NIGHTSHIFT_EXPERIMENT_ID: '1', NIGHTSHIFT_OUT: out }, TMP);
  const final = finished(r);
  assert.equal(final.backend, 'wasm', 'wasm is the fastest backend that always loads');
  assert.ok(r.steps.length >= 3, `only ${r.steps.length} step lines`);
  assert.ok(r.steps[0]!.train_loss > final.train_loss! + 0.5, `train loss ${r.steps[0]!.train_loss} -> ${final.train_loss} bits did not fall`);
  assert.ok(final.steps <= final.planned_steps);
  assert.ok(final.elapsed_s < 10 * 1.05 + 5);
  assert.match(
    r.stdout,
    /^train\.ts: experiment 1, wasm, synthetic data, a provisional \d+ steps for 10 s \(timed now\), re-planned after a lead-in of \d+ real steps$/m,
  );
  assert.deepEqual(fs.readdirSync(out).sort(), ['model.json', 'weights.bin']);
  assert.equal(fs.statSync(path.join(out, 'weights.bin')).size, final.params * 4);
});

test('the same seed and NIGHTSHIFT_STEPS print the same numbers; another seed does not', async () => {
  const dir = copySandbox(SMALL);
  const run = (seed: string) => runTrain(dir, { NIGHTSHIFT_BUDGET_S: '3', NIGHTSHIFT_SEED: seed, NIGHTSHIFT_STEPS: '30' }, TMP);
  const [a, b, c] = [finished(await run('5')), finished(await run('5')), finished(await run('6'))];
  // Timings and the resident peak are the machine's, not the run's results.
  const numbers = ({ tokens_per_s: _t, elapsed_s: _e, peak_mem_mb: _m, ...rest }: typeof a) => rest;
  assert.deepEqual(numbers(b), numbers(a));
  assert.equal(a.steps, 30);
  assert.equal(a.planned_steps, 30, 'the plan is the one nightshift passed');
  assert.equal(c.steps, a.steps);
  assert.notEqual(c.train_loss, a.train_loss);
});

test("a new configuration that changes only a value trains its shape's steps untimed; a change of shape is a new key", async () => {
  const env = { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '1' };
  const base = finished(await runTrain(copySandbox(SMALL), { ...env, NIGHTSHIFT_STEPS: '3' }, TMP));
  const shapes = JSON.stringify({ [base.plan_shape]: 4 });
  const values = await runTrain(copySandbox({ ...SMALL, lr: 0.005, warmup: 0.1, weightDecay: 0 }), { ...env, NIGHTSHIFT_SHAPE_STEPS: shapes }, TMP);
  const revalued = finished(values);
  assert.match(values.stdout, /4 steps planned for 2 s \(NIGHTSHIFT_SHAPE_STEPS for shape [0-9a-f]{16}\)/);
  assert.deepEqual([revalued.plan_shape, revalued.planned_steps, revalued.steps], [base.plan_shape, 4, 4]);
  const dropout = finished(await runTrain(copySandbox({ ...SMALL, dropout: 0.1 }), { ...env, NIGHTSHIFT_STEPS: '1' }, TMP));
  assert.notEqual(dropout.plan_shape, base.plan_shape, 'dropout on is another shape');
  const wider = finished(await runTrain(copySandbox({ ...SMALL, dModel: 64 }), { ...env, NIGHTSHIFT_STEPS: '1' }, TMP));
  assert.notEqual(wider.plan_shape, base.plan_shape);
});

test('a run far behind its plan stops before its deadline (1.1 x budget + 15 s of the process) and says so', async () => {
  const started = performance.now();
  const r = await runTrain(copySandbox(SMALL), { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_STEPS: '1000000' }, TMP);
  const wallS = (performance.now() - started) / 1000;
  const final = finished(r);
  assert.ok(final.steps < final.planned_steps);
  assert.equal(final.stopped, 'deadline');
  // nightshift's limit is 1.1 x budget + 20 s of wall time: the run ends inside it.
  assert.ok(wallS < 2 * 1.1 + 20 && final.elapsed_s > 2 * 1.1 + 15 - 8, `trained ${final.elapsed_s} s, ${wallS.toFixed(1)} s of wall time`);
});

test('predict answers info and predict requests, for any length up to the context, causally', async () => {
  const dir = copySandbox(SMALL);
  const out = tempDir('ns-out-');
  finished(await runTrain(dir, { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_STEPS: '5', NIGHTSHIFT_OUT: out }, TMP));
  const row = Array.from({ length: 32 }, (_, i) => (i * 7) % 39);
  const r = await predict(dir, out, [{ op: 'info' }, { op: 'predict', inputs: [row, row] }, { op: 'predict', inputs: [row.slice(0, 5)] }]);
  assert.equal(r.code, 0, r.stderr);
  const answers = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('@ns '))
    .map((l) => JSON.parse(l.slice(4)) as unknown);
  assert.deepEqual(answers[0], { context: 32 });
  const full = PredictAnswer.parse(answers[1]);
  const short = PredictAnswer.parse(answers[2]);
  assert.deepEqual(
    [full.shape, short.shape],
    [
      [2, 32, 39],
      [1, 5, 39],
    ],
  );
  const [a, b] = [decodeLogits(full.logits), decodeLogits(short.logits)];
  for (let i = 0; i < 5 * 39; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4, `position ${Math.floor(i / 39)} differs`);
});

test('predict without a model, with a bad request, or an unknown mode: one clear line each', async () => {
  const dir = copySandbox(SMALL);
  const empty = await predict(dir, tempDir('ns-out-'), [{ op: 'info' }]);
  assert.equal(empty.code, 1);
  assert.match(errorLines(empty.stderr).join('\n'), /^train\.ts: no readable model in NIGHTSHIFT_OUT=.+: did training finish\?$/);
  const unset = await predict(dir, undefined, []);
  assert.equal(unset.code, 2);
  assert.deepEqual(errorLines(unset.stderr), ['train.ts: NIGHTSHIFT_OUT is not set: predict loads the model training saved there']);
  const out = tempDir('ns-out-');
  finished(await runTrain(dir, { NIGHTSHIFT_BUDGET_S: '1', NIGHTSHIFT_STEPS: '1', NIGHTSHIFT_OUT: out }, TMP));
  const bad = await predict(dir, out, [{ op: 'predict', inputs: [[1, 2], [3]] }]);
  assert.equal(bad.code, 1);
  assert.deepEqual(errorLines(bad.stderr), ['train.ts: a predict request has rows of different lengths']);
  const mode = await shell(`${CONFIG.command} serve`, { cwd: dir });
  assert.equal(mode.code, 2);
  assert.match(mode.stderr, /^train\.ts: unknown mode serve: run train\.ts to train, train\.ts predict to serve the trained model$/m);
});

test('every @ablate value of train.ts runs to a final line', async () => {
  const { markers, problems } = parseMarkers('train.ts', TRAIN_TS);
  assert.deepEqual(problems, []);
  const ablations = markers.filter((m) => m.marker === 'ablate');
  assert.deepEqual(
    ablations.map((m) => m.name),
    ['attention', 'mlp', 'residual', 'layerNorm', 'posEncoding'],
  );
  for (const m of ablations) {
    for (const value of m.alternatives) {
      const r = await runTrain(copySandbox({ ...SMALL, [m.name]: value }), { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_STEPS: '10' }, TMP);
      const final = finished(r);
      assert.ok(final.train_loss !== null || final.diverged, `${m.name}=${value}: ${JSON.stringify(final)}`);
    }
  }
});

test('the knobs are the documented ones, and dropout runs', async () => {
  const { markers } = parseMarkers('train.ts', TRAIN_TS);
  const knobs = markers.filter((m) => m.marker === 'knob').map((m) => m.name);
  assert.deepEqual(knobs, ['layers', 'dModel', 'heads', 'mlpRatio', 'blockSize', 'batchSize', 'lr', 'warmup', 'weightDecay', 'dropout']);
  const final = finished(await runTrain(copySandbox({ ...SMALL, dropout: 0.2 }), { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_STEPS: '10' }, TMP));
  assert.ok(final.train_loss! > 0);
});

test('a diverging run reports diverged true and no train loss', async () => {
  const r = await runTrain(copySandbox({ ...SMALL, lr: 1e6, warmup: 0 }), { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_STEPS: '20' }, TMP);
  const final = finished(r);
  assert.equal(final.train_loss, null);
  assert.equal(final.diverged, true);
});

test("a user's UTF-8 file trains", async () => {
  const r = await runTrain(copySandbox(SMALL), { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_STEPS: '10', NIGHTSHIFT_DATA: path.join(FIXTURES, 'voyages.txt') }, TMP);
  assert.ok(finished(r).train_loss! > 0);
});

test('an op the backend lacks is one clear line, not a stack trace', async () => {
  // Embeddings by gather: its gradient needs UnsortedSegmentSum, which wasm does not have.
  const gather = (train: string) => {
    const line = /linear\(tf\.oneHot\(ids\.reshape\(\[B \* T\]\), this\.vocab\), this\.wte\)/;
    assert.match(train, line);
    return train.replace(line, 'tf.gather(this.wte, ids.reshape([B * T]))');
  };
  const r = await runTrain(copySandbox(SMALL, gather), { NIGHTSHIFT_BUDGET_S: '1', NIGHTSHIFT_TFJS_BACKEND: 'wasm' }, TMP);
  assert.equal(r.code, 1);
  assert.deepEqual(errorLines(r.stderr), ['train.ts: backend wasm lacks the op UnsortedSegmentSum; set NIGHTSHIFT_TFJS_BACKEND=cpu']);
});

test('bad environment values and unloadable backends are one clear line with exit code 2', async () => {
  const dir = copySandbox(SMALL);
  const bad = await runTrain(dir, { NIGHTSHIFT_BUDGET_S: 'soon' }, TMP);
  assert.equal(bad.code, 2);
  assert.deepEqual(errorLines(bad.stderr), ['train.ts: NIGHTSHIFT_BUDGET_S="soon" is invalid (Invalid input: expected number, received NaN)']);
  const steps = await runTrain(dir, { NIGHTSHIFT_STEPS: '0' }, TMP);
  assert.equal(steps.code, 2);
  assert.match(errorLines(steps.stderr).join('\n'), /^train\.ts: NIGHTSHIFT_STEPS="0" is invalid/);
  const hasNode = fs.existsSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs-node'));
  if (!hasNode) {
    const missing = await runTrain(dir, { NIGHTSHIFT_TFJS_BACKEND: 'node' }, TMP);
    assert.equal(missing.code, 2);
    assert.match(errorLines(missing.stderr).join('\n'), /^train\.ts: NIGHTSHIFT_TFJS_BACKEND=node: @tensorflow\/tfjs-node did not load \(.+\)$/);
  }
});
