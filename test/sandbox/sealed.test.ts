/**
 * The default sandbox sealed end to end: training in a workspace without the hidden files, then
 * evaluate.ts (its own folder) talking to the predict command through the runner's relay.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { syntheticValidation } from '../../sandbox/validation.ts';
import { CONFIG, copySandbox, evaluationDir, FIXTURES, runSealed, runTrain, shell, SMALL, tempDir, type RunResult } from './run-sandbox.ts';

const EVAL = evaluationDir();
const TMP = tempDir('ns-tmp-');
const MASK = '.add(this.mask.slice([0, 0], [T, T]))';

function trained(r: RunResult) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-2000)}`);
  assert.ok(r.final, `not one final line:\n${r.stdout.slice(-2000)}`);
  return r.final;
}

/** Trains in dir with seed and (optionally) a fixed step count; returns the facts and NIGHTSHIFT_OUT's env. */
async function train(dir: string, seed: number, extra: Record<string, string> = {}) {
  const env = { NIGHTSHIFT_BUDGET_S: '5', NIGHTSHIFT_SEED: String(seed), NIGHTSHIFT_OUT: tempDir('ns-out-'), ...extra };
  const run = await runTrain(dir, env, TMP);
  return { run, env };
}

const Request = z.union([
  z.object({ op: z.literal('info') }).strict(),
  z.object({ op: z.literal('predict'), inputs: z.array(z.array(z.number().int().nonnegative())) }).strict(),
]);

test('train, then predict answers the hidden evaluation: val_bpb above the floor; the predictor sees inputs only', async () => {
  const dir = copySandbox();
  assert.deepEqual(
    CONFIG.hidden.filter((f) => fs.existsSync(path.join(dir, f))),
    [],
    'hidden files stay out of the workspace',
  );
  const { run, env } = await train(dir, 1, { NIGHTSHIFT_BUDGET_S: '8' });
  const facts = trained(run);
  assert.ok(facts.planned_steps >= facts.steps && facts.steps > 10, JSON.stringify(facts));
  assert.ok(!('val_bpb' in facts));
  const sealed = await runSealed(dir, EVAL, env, { record: true });
  assert.equal(sealed.result.status, 'done', `${sealed.result.reason}\n${sealed.log.slice(-2000)}`);
  const final = sealed.final!;
  assert.ok('val_bpb' in final);
  assert.ok(final.floor! > 0.7 && final.floor! < 0.9, `floor ${final.floor}`);
  assert.ok(final.val_bpb! > final.floor! && final.val_bpb! < Math.log2(39), `val_bpb ${final.val_bpb}`);
  assert.match(
    sealed.log,
    /^evaluate\.ts: started at [\d.]+ s, predictor ready at [\d.]+ s, scoring [\d.]+ s \(32 requests\), probe [\d.]+ s \(2 requests\)$/m,
  );

  // Every request is `info` or `predict` with inputs and nothing else; every main-pass row is a
  // window of the validation stream that stops before its last character, the last target.
  const requests = sealed.requests.map((line) => Request.parse(JSON.parse(line)));
  assert.deepEqual(requests[0], { op: 'info' });
  const rows = requests.slice(1).flatMap((r) => ('inputs' in r ? r.inputs : assert.fail('info twice')));
  const v = syntheticValidation();
  const stream = [...v.context, ...v.val];
  const T = 64;
  const firstAt = new Map<string, number>();
  for (let s = 0; s + T <= stream.length; s++) if (!firstAt.has(stream.slice(s, s + T).join())) firstAt.set(stream.slice(s, s + T).join(), s);
  const windows = Math.ceil(v.val.length / (T / 2));
  assert.equal(rows.length, windows + 32, 'the main windows and 16 probe windows twice');
  assert.ok(rows.every((r) => r.length === T));
  const fromStream = rows.map((r) => firstAt.get(r.join())).filter((s) => s !== undefined);
  assert.ok(fromStream.length >= windows + 16, 'main windows and untouched probe copies come from the stream');
  assert.ok(
    fromStream.every((s) => s + T <= stream.length - 1),
    'no row holds the last character',
  );
});

test('same seed and NIGHTSHIFT_STEPS: identical facts and val_bpb; another seed differs', async () => {
  const dir = copySandbox(SMALL);
  const steps = { NIGHTSHIFT_STEPS: '25' };
  const runs = [];
  for (const seed of [5, 5, 6]) {
    const { run, env } = await train(dir, seed, steps);
    const facts = trained(run);
    const sealed = await runSealed(dir, EVAL, env);
    assert.equal(sealed.result.status, 'done', sealed.result.reason ?? '');
    runs.push({ facts, valBpb: sealed.result.metric });
  }
  const [a, b, c] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  const numbers = ({ tokens_per_s: _t, elapsed_s: _e, peak_mem_mb: _m, ...rest }: typeof a.facts) => rest;
  assert.deepEqual(numbers(b.facts), numbers(a.facts));
  assert.equal(a.facts.steps, 25);
  assert.equal(a.facts.planned_steps, 25);
  assert.equal(b.valBpb, a.valBpb);
  assert.notEqual(c.valBpb, a.valBpb);
  assert.notEqual(c.facts.train_loss, a.facts.train_loss);
});

test("a user's text: scored without a floor, in requests that keep each answer line short", async () => {
  const dir = copySandbox(SMALL);
  const data = { NIGHTSHIFT_DATA: path.join(FIXTURES, 'voyages.txt'), NIGHTSHIFT_STEPS: '10' };
  const { run, env } = await train(dir, 1, data);
  trained(run);
  const sealed = await runSealed(dir, EVAL, env, { record: true });
  assert.equal(sealed.result.status, 'done', `${sealed.result.reason}\n${sealed.log.slice(-2000)}`);
  assert.deepEqual(Object.keys(sealed.final!), ['final', 'val_bpb']);
  // 297 characters × 32 positions: 13 rows of logits a request, not 16.
  const rows = sealed.requests.slice(1).map((line) => (JSON.parse(line) as { inputs: number[][] }).inputs.length);
  assert.equal(Math.max(...rows), 13);
});

test('a model without its attention mask is invalid: predictions depend on future tokens', async () => {
  const dir = copySandbox(SMALL, (text) => {
    assert.ok(text.includes(MASK), 'train.ts adds the causal mask on one line');
    return text.replace(MASK, '');
  });
  const { run, env } = await train(dir, 3, { NIGHTSHIFT_STEPS: '25' });
  trained(run);
  const sealed = await runSealed(dir, EVAL, env);
  assert.equal(sealed.result.status, 'invalid', sealed.result.reason ?? '');
  assert.deepEqual(sealed.final, { final: true, invalid: 'predictions depend on future tokens' });
});

test('a forged final line from training does not move val_bpb; one from predict breaks the evaluation', async () => {
  const forge = (where: string) => (text: string) => text.replace(where, `${where}\n  reportFinal({ val_bpb: 0.1 });`);
  const honest = copySandbox(SMALL);
  const forged = copySandbox(SMALL, forge('async function train(env: ReturnType<typeof readEnv>, backend: string): Promise<void> {'));
  const steps = { NIGHTSHIFT_STEPS: '20' };
  const scores = [];
  for (const dir of [honest, forged]) {
    const { run, env } = await train(dir, 4, steps);
    const sealed = await runSealed(dir, EVAL, env);
    assert.equal(sealed.result.status, 'done', sealed.result.reason ?? '');
    scores.push({ run, metric: sealed.result.metric });
  }
  assert.equal(scores[1]!.run.finalLines, 2, 'the forged line is printed (nightshift makes such a run invalid)');
  assert.ok(scores[0]!.metric! > 1, `val_bpb ${scores[0]!.metric}`);
  assert.equal(scores[1]!.metric, scores[0]!.metric);

  // The same forgery in predict mode is relayed to the evaluator as an answer, which it refuses.
  const predictForged = copySandbox(
    SMALL,
    forge("  if (!env.outDir) throw new UsageError('NIGHTSHIFT_OUT is not set: predict loads the model training saved there');"),
  );
  const { env } = await train(predictForged, 4, steps);
  const sealed = await runSealed(predictForged, EVAL, env);
  assert.equal(sealed.result.status, 'crashed');
  assert.equal(sealed.result.metric, null);
  assert.match(
    sealed.result.reason!,
    /evaluate exited with code 1 before the evaluation's final line: evaluate\.ts: answer 1 \(to info\) is not \{"context": T\}/,
  );
});

test('a predictor with a longer context than the evaluation provides is one clear line, exit 1', async () => {
  const dir = copySandbox(SMALL);
  const { env } = await train(dir, 2, { NIGHTSHIFT_STEPS: '3' });
  fs.writeFileSync(path.join(dir, 'train.ts'), fs.readFileSync(path.join(dir, 'train.ts'), 'utf8').replace('context: model.c.blockSize,', 'context: 4096,'));
  const sealed = await runSealed(dir, EVAL, env);
  assert.equal(sealed.result.status, 'crashed');
  assert.match(sealed.result.reason!, /evaluate\.ts: the predictor's context is 4096 tokens; the evaluation provides at most 1024$/);
});

test('evaluate.ts with nobody answering (run by hand, stdin empty) is one clear line, exit 1', async () => {
  const { code, stdout, stderr } = await shell(CONFIG.evaluate, { cwd: EVAL });
  assert.equal(code, 1);
  assert.equal(stdout, '@ns {"request":{"op":"info"}}\n');
  assert.match(stderr, /^evaluate\.ts: the predictor stopped answering after 0 of 1 answers$/m);
});
