import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { copySandbox, errorLines, FIXTURES, ROOT, runTrain, SANDBOX, SMALL, tempDir, type RunResult } from './run-sandbox.ts';

// Step plans are remembered under TMPDIR; a private one keeps these runs independent of others.
const PLANS = tempDir('ns-plans-');
const TRAIN_TS = fs.readFileSync(path.join(SANDBOX, 'train.ts'), 'utf8');

function finished(r: RunResult) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-2000)}`);
  assert.ok(r.final, `no final line:\n${r.stdout.slice(-2000)}`);
  return r.final;
}

test('a 10-second run on the default backend: the loss falls and the final line validates', async () => {
  const out = tempDir('ns-out-');
  const r = await runTrain(copySandbox(), { NIGHTSHIFT_BUDGET_S: '10', NIGHTSHIFT_SEED: '1', NIGHTSHIFT_EXPERIMENT_ID: '1', NIGHTSHIFT_OUT: out }, PLANS);
  const final = finished(r);
  assert.equal(final.backend, 'wasm', 'wasm is the fastest backend that always loads');
  assert.ok(r.steps.length >= 3, `only ${r.steps.length} step lines`);
  const first = r.steps[0]!.train_loss;
  const last = final.train_loss!;
  assert.ok(first > last + 0.5, `train loss ${first} -> ${last} bits did not fall`);
  assert.ok(final.val_bpb! < Math.log2(39) && final.val_bpb! > final.floor_bpb!, `val_bpb ${final.val_bpb}`);
  assert.ok(final.floor_bpb! > 0.7 && final.floor_bpb! < 0.9);
  assert.ok(final.elapsed_s < 10 * 1.1 + 10);
  assert.match(fs.readFileSync(path.join(out, 'sample.txt'), 'utf8'), /^.{64}\|.{160}\n$/su);
});

test('the same seed prints the same numbers; another seed does not', async () => {
  const dir = copySandbox(SMALL);
  const run = (seed: string) => runTrain(dir, { NIGHTSHIFT_BUDGET_S: '3', NIGHTSHIFT_SEED: seed }, PLANS);
  const [a, b, c] = [finished(await run('5')), finished(await run('5')), finished(await run('6'))];
  const numbers = ({ tokens_per_s: _t, elapsed_s: _e, ...rest }: typeof a) => rest;
  assert.deepEqual(numbers(b), numbers(a));
  assert.equal(c.steps, a.steps, 'the step plan does not depend on the seed');
  assert.notEqual(c.val_bpb, a.val_bpb);
});

test('every @ablate value of train.ts runs to a final line', async () => {
  const { markers, problems } = parseMarkers('train.ts', TRAIN_TS);
  assert.deepEqual(problems, []);
  const ablations = markers.filter((m) => m.marker === 'ablate');
  assert.deepEqual(ablations.map((m) => m.name), ['attention', 'mlp', 'residual', 'layerNorm', 'posEncoding']);
  for (const m of ablations) {
    for (const value of m.alternatives) {
      const r = await runTrain(copySandbox({ ...SMALL, [m.name]: value }), { NIGHTSHIFT_BUDGET_S: '2' }, PLANS);
      const final = finished(r);
      assert.ok(final.val_bpb !== null || final.diverged, `${m.name}=${value}: ${JSON.stringify(final)}`);
    }
  }
});

test('the knobs are the documented ones, and dropout runs', async () => {
  const { markers } = parseMarkers('train.ts', TRAIN_TS);
  const knobs = markers.filter((m) => m.marker === 'knob').map((m) => m.name);
  assert.deepEqual(knobs, ['layers', 'dModel', 'heads', 'mlpRatio', 'blockSize', 'batchSize', 'lr', 'warmup', 'weightDecay', 'dropout']);
  const final = finished(await runTrain(copySandbox({ ...SMALL, dropout: 0.2 }), { NIGHTSHIFT_BUDGET_S: '2' }, PLANS));
  assert.ok(final.val_bpb! > 0);
});

test('a diverging run reports val_bpb null and diverged true', async () => {
  const r = await runTrain(copySandbox({ ...SMALL, lr: 1e6, warmup: 0 }), { NIGHTSHIFT_BUDGET_S: '2' }, PLANS);
  const final = finished(r);
  assert.equal(final.val_bpb, null);
  assert.equal(final.diverged, true);
});

test("a user's UTF-8 file trains, with no floor", async () => {
  const r = await runTrain(copySandbox(SMALL), { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_DATA: path.join(FIXTURES, 'voyages.txt') }, PLANS);
  const final = finished(r);
  assert.equal(final.floor_bpb, undefined);
  assert.ok(final.val_bpb! > 0 && final.val_bpb! < Math.log2(297) + 1);
});

test('an op the backend lacks is one clear line, not a stack trace', async () => {
  // Embeddings by gather: its gradient needs UnsortedSegmentSum, which wasm does not have.
  const gather = (train: string) => {
    const line = /linear\(tf\.oneHot\(ids\.reshape\(\[B \* T\]\), this\.vocab\), this\.wte\)/;
    assert.match(train, line);
    return train.replace(line, 'tf.gather(this.wte, ids.reshape([B * T]))');
  };
  const r = await runTrain(copySandbox(SMALL, gather), { NIGHTSHIFT_BUDGET_S: '1', NIGHTSHIFT_TFJS_BACKEND: 'wasm' }, PLANS);
  assert.equal(r.code, 1);
  assert.deepEqual(errorLines(r.stderr), ['train.ts: backend wasm lacks the op UnsortedSegmentSum; set NIGHTSHIFT_TFJS_BACKEND=cpu']);
});

test('bad environment values and unloadable backends are one clear line with exit code 2', async () => {
  const dir = copySandbox(SMALL);
  const bad = await runTrain(dir, { NIGHTSHIFT_BUDGET_S: 'soon' }, PLANS);
  assert.equal(bad.code, 2);
  assert.deepEqual(errorLines(bad.stderr), ['train.ts: NIGHTSHIFT_BUDGET_S="soon" is invalid (Invalid input: expected number, received NaN)']);
  const hasNode = fs.existsSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs-node'));
  if (!hasNode) {
    const missing = await runTrain(dir, { NIGHTSHIFT_TFJS_BACKEND: 'node' }, PLANS);
    assert.equal(missing.code, 2);
    assert.match(errorLines(missing.stderr).join('\n'), /^train\.ts: NIGHTSHIFT_TFJS_BACKEND=node: @tensorflow\/tfjs-node did not load \(.+\)$/);
  }
});
