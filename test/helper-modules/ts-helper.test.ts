/** nightshift's TypeScript helper (helpers/ts/nightshift.ts), imported as a sandbox imports it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import {
  decodeLogits,
  encodeLogits,
  loadCheckpoint,
  peakMemMb,
  planSteps,
  PREFIX,
  readEnv,
  reportFinal,
  reportStep,
  saveCheckpoint,
  servePredictions,
  StepPlan,
  timeSteps,
  trainingDeadline,
  UsageError,
} from '@nightshift/helpers';
import { tempDir } from '../helpers.ts';

/** The `@ns` objects fn wrote to stdout (other writes pass through). */
async function linesOf(fn: () => void | Promise<void>): Promise<Array<Record<string, unknown>>> {
  const write = process.stdout.write;
  const lines: string[] = [];
  process.stdout.write = ((chunk: unknown, ...rest: never[]) =>
    typeof chunk === 'string' && chunk.startsWith(PREFIX) ? lines.push(chunk) > 0 : write.call(process.stdout, chunk as string, ...rest)) as typeof write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return lines.map((l) => JSON.parse(l.slice(PREFIX.length)) as Record<string, unknown>);
}

test('readEnv: defaults, values, empty as unset, and a malformed variable named in one line', () => {
  assert.deepEqual(readEnv({}), {
    budgetS: 300,
    seed: 0,
    steps: undefined,
    leadSteps: undefined,
    shapeSteps: {},
    outDir: undefined,
    experimentId: undefined,
    dataPath: undefined,
    cacheDir: undefined,
  });
  assert.deepEqual(
    readEnv({
      NIGHTSHIFT_BUDGET_S: '2.5',
      NIGHTSHIFT_SEED: '7',
      NIGHTSHIFT_STEPS: '120',
      NIGHTSHIFT_OUT: '/o',
      NIGHTSHIFT_EXPERIMENT_ID: '42',
      NIGHTSHIFT_DATA: '',
    }),
    { budgetS: 2.5, seed: 7, steps: 120, leadSteps: undefined, shapeSteps: {}, outDir: '/o', experimentId: '42', dataPath: undefined, cacheDir: undefined },
  );
  for (const [name, value] of [
    ['NIGHTSHIFT_BUDGET_S', '0'],
    ['NIGHTSHIFT_SEED', '-1'],
    ['NIGHTSHIFT_STEPS', '1.5'],
  ] as const) {
    assert.throws(
      () => readEnv({ [name]: value }),
      (e: Error) => e instanceof UsageError && e.message.startsWith(`${name}="${value}" is invalid (`),
    );
  }
});

test('step and final lines: rounded, the step first, the final line with peak memory unless given', async () => {
  const lines = await linesOf(() => {
    reportStep(3, { train_loss: 1 / 3, tokens_per_s: 1234.56789 });
    reportFinal({ val_loss: 0.5, steps: 3 });
    reportFinal({ val_loss: 0.5, peak_mem_mb: 12.5 });
  });
  assert.deepEqual(lines[0], { step: 3, train_loss: 0.333333, tokens_per_s: 1234.57 });
  assert.deepEqual(Object.keys(lines[1]!), ['final', 'val_loss', 'steps', 'peak_mem_mb']);
  assert.ok((lines[1]!.peak_mem_mb as number) > 10, 'a Node process holds more than 10 MiB');
  assert.deepEqual(lines[2], { final: true, val_loss: 0.5, peak_mem_mb: 12.5 });
});

test("peakMemMb: the process's resident peak, or TF.js's tensor bytes when more", () => {
  const rss = peakMemMb();
  assert.ok(rss > 10 && rss < 1e5, String(rss));
  assert.equal(peakMemMb({ memory: () => ({ numBytes: 0 }) }), peakMemMb());
  assert.equal(peakMemMb({ memory: () => ({ numBytes: 2 ** 50 }) }), 2 ** 30);
});

test('a step plan: NIGHTSHIFT_STEPS when given (never timed), else the budget over the seconds a step takes', async () => {
  const given = await planSteps(readEnv({ NIGHTSHIFT_STEPS: '40', NIGHTSHIFT_BUDGET_S: '20' }), () => assert.fail('timed although NIGHTSHIFT_STEPS was given'));
  assert.deepEqual([given.steps, given.measured, given.reportEvery], [40, false, 3]);
  const timed = await planSteps(readEnv({ NIGHTSHIFT_BUDGET_S: '10' }), async () => 0.3);
  assert.deepEqual([timed.steps, timed.measured], [33, true]);
  assert.equal((await planSteps({ budgetS: 1, steps: undefined }, () => 5)).steps, 1, 'at least one step');
});

test("a step plan by shape: a configuration with no plan of its own trains its shape's steps, untimed, and reports the shape", async () => {
  const env = readEnv({ NIGHTSHIFT_BUDGET_S: '10', NIGHTSHIFT_SHAPE_STEPS: '{"a1":25,"b2":7}' });
  const known = await planSteps(env, () => assert.fail('timed although its shape had steps'), 'a1');
  assert.deepEqual([known.steps, known.measured, known.facts(0).plan_shape], [25, false, 'a1']);
  const own = await planSteps({ ...env, steps: 40 }, () => assert.fail('timed'), 'a1');
  assert.equal(own.steps, 40, "the configuration's own plan wins over its shape's");
  const fresh = await planSteps(env, () => 0.5, 'c3');
  assert.deepEqual([fresh.steps, fresh.measured, fresh.facts(0).plan_shape], [20, true, 'c3']);
  assert.equal((await planSteps(env, () => 0.5)).facts(0).plan_shape, undefined, 'no shape given, none reported');
  assert.throws(() => readEnv({ NIGHTSHIFT_SHAPE_STEPS: '{"a1":0}' }), /^Error: NIGHTSHIFT_SHAPE_STEPS="\{\\"a1\\":0\}" is invalid/);
  assert.throws(() => readEnv({ NIGHTSHIFT_SHAPE_STEPS: 'nope' }), /NIGHTSHIFT_SHAPE_STEPS="nope" is invalid \(not JSON\)/);
});

test('the plan runs its steps, with the schedule as a fraction of the budget, and reports its facts', () => {
  const plan = new StepPlan(4, false, 60);
  assert.throws(() => plan.running(0), /before start/);
  plan.start();
  const progress: number[] = [];
  let step = 0;
  for (; plan.running(step); step++) progress.push(plan.progress(step));
  assert.deepEqual(progress, [0, 0.25, 0.5, 0.75]);
  const facts = plan.facts(step);
  assert.deepEqual([facts.steps, facts.planned_steps], [4, 4]);
  assert.ok(facts.elapsed_s >= 0 && facts.elapsed_s < 1);
});

test("the deadline: 1.1 x budget + 15 s of the process, 5 s before nightshift's limit makes the run invalid", () => {
  assert.ok(Math.abs(trainingDeadline(100) - 125_000) < 1e-6);
});

/** Runs a plan to its end with steps of `stepMs` (a busy wait, as a real step is); the progress of each step. */
function train(plan: StepPlan, stepMs: number): number[] {
  const progress: number[] = [];
  plan.start();
  for (let step = 0; plan.running(step); step++) {
    progress.push(plan.progress(step));
    const until = performance.now() + stepMs;
    while (performance.now() < until);
  }
  return progress;
}

test("a first run's lead-in: real steps on the provisional plan, re-planned to fill the budget, and replayed by later runs", async () => {
  const env = readEnv({ NIGHTSHIFT_BUDGET_S: '0.6' });
  // The short timing says 20 ms a step (a provisional 30 steps); the real steps take 5 ms.
  const first = await planSteps(env, () => 0.02);
  assert.deepEqual([first.steps, first.lead, first.leadIn], [30, 30, 2]);
  const progress = train(first, 5);
  const facts = first.facts(progress.length);
  assert.ok(facts.planned_steps > 60 && facts.planned_steps <= 121, `re-planned to ${facts.planned_steps}`);
  assert.equal(facts.steps, facts.planned_steps);
  assert.equal(facts.plan_lead, 30);
  assert.deepEqual(progress.slice(0, 4), [0, 1 / 30, 2 / 30, 2 / 30 + (1 - 2 / 30) / (facts.planned_steps - 2)]);
  const later = await planSteps(readEnv({ NIGHTSHIFT_BUDGET_S: '0.6', NIGHTSHIFT_STEPS: String(facts.planned_steps), NIGHTSHIFT_LEAD_STEPS: '30' }), () =>
    assert.fail('timed although the plan was given'),
  );
  assert.deepEqual(train(later, 1), progress, 'the same schedule, step for step, at another speed');
  const shaped = await planSteps(
    readEnv({ NIGHTSHIFT_SHAPE_STEPS: JSON.stringify({ a1: facts.planned_steps, 'a1~lead': 30 }), NIGHTSHIFT_BUDGET_S: '0.6' }),
    () => assert.fail('timed'),
    'a1',
  );
  assert.equal(shaped.progress(1), 1 / 30, "a configuration of a timed shape replays the shape's lead-in");
});

test('a plan that cannot finish before the deadline stops a step early and says so', () => {
  // 1 ms steps, a million planned, a deadline 15.0011 s into this process.
  const plan = new StepPlan(1_000_000, false, 0.001);
  const progress = train(plan, 1);
  assert.ok(progress.length < 1_000_000);
  assert.ok(performance.now() < trainingDeadline(0.001) + 50, 'the last step ended at the deadline, not a step past it');
  assert.equal(plan.facts(progress.length).stopped, 'deadline');
  assert.equal(new StepPlan(3, false, 60).facts(3).stopped, undefined, 'a plan that ends by itself says nothing');
});

test('timeSteps runs one step untimed, then times at least 3', () => {
  let calls = 0;
  const perStep = timeSteps(() => {
    calls++;
    const until = performance.now() + 2;
    while (performance.now() < until);
  }, 4);
  // A 4 s budget times for 0.2 s: about 100 steps of 2 ms, more than 10 even on a loaded machine.
  assert.ok(calls > 10, String(calls));
  assert.ok(perStep >= 0.002 && perStep < 0.05, String(perStep));
  let few = 0;
  timeSteps(() => few++, 0.001);
  assert.ok(few >= 4, 'one untimed step, then at least 3 timed');
});

test('a checkpoint round-trips its meta and arrays, leaves no temporary file, and a missing or torn one says so', () => {
  const out = path.join(tempDir(), 'new');
  const arrays = [Float32Array.from([1.5, -2, 3]), new Float32Array(0), Float32Array.from([Math.PI])];
  saveCheckpoint({ config: { layers: 2 }, vocab: 65 }, arrays, out);
  assert.deepEqual(fs.readdirSync(out).sort(), ['model.json', 'weights.bin']);
  assert.equal(fs.statSync(path.join(out, 'weights.bin')).size, 16);
  const loaded = loadCheckpoint(out);
  assert.deepEqual(loaded.meta, { config: { layers: 2 }, vocab: 65 });
  assert.deepEqual(
    loaded.arrays,
    arrays.map((a) => Float32Array.from(a)),
  );
  fs.truncateSync(path.join(out, 'weights.bin'), 12);
  assert.throws(() => loadCheckpoint(out), /weights\.bin in .* holds 12 bytes, model\.json says 16/);
  assert.throws(() => loadCheckpoint(tempDir()), /^Error: no readable model in NIGHTSHIFT_OUT=.*did training finish\?$/);
});

test('the predictor loop answers info and predict requests in order, and throws on one it cannot read', async () => {
  const predictor = {
    context: 4,
    vocab: 2,
    logits: (ids: Int32Array) => Float32Array.from([...ids].flatMap((id) => [id, -id])),
  };
  const requests = (...lines: string[]) => Readable.from(lines.map((l) => `${l}\n`));
  const [info, answer] = await linesOf(() => servePredictions(predictor, requests('{"op":"info"}', '', '{"op":"predict","inputs":[[0,1],[1,1]]}')));
  assert.deepEqual(info, { context: 4 });
  assert.deepEqual(answer!.shape, [2, 2, 2]);
  assert.deepEqual([...decodeLogits(answer!.logits as string)], [0, -0, 1, -1, 1, -1, 1, -1]);
  for (const [bad, message] of [
    ['{"op":"predict","inputs":[[0,1,0,1,0]]}', /at most 4/],
    ['{"op":"predict","inputs":[[2]]}', /vocabulary of 2/],
    ['{"op":"predict","inputs":[[0],[0,1]]}', /different lengths/],
    ['nope', /not JSON/],
    ['{"op":"train"}', /not an info or predict/],
  ] as const) {
    await assert.rejects(() => linesOf(() => servePredictions(predictor, requests(bad))), message);
  }
  assert.throws(() => decodeLogits('AAA='), /not a whole number of float32 values/);
  assert.deepEqual([...decodeLogits(encodeLogits(Float32Array.from([0.25, -1e30])))], [0.25, Math.fround(-1e30)]);
});
