/** What adopt says about a project from its two check runs, one rule at a time (agent/adopt/findings.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CheckInput, type CheckRun, findings, isReady } from '../../agent/adopt/findings.ts';

const config: CheckInput['config'] = { metric: 'val_loss', protocol: 'ns', editable: ['train.py'] };

/** A run as the ported example makes it: step lines with elapsed_s, a final line with the plan's facts. */
function run(seed: number, over: Partial<CheckRun> = {}): CheckRun {
  return {
    seed,
    status: 'done',
    reason: null,
    exitCode: 0,
    runS: 6,
    final: { final: true, val_loss: 2 + seed / 10, train_loss: 2.1 + seed / 10, steps: 100, planned_steps: 100, elapsed_s: 5 },
    evaluation: null,
    steps: [{ step: 50, elapsed_s: 2.5, values: { train_loss: 3 + seed / 10 } }],
    log: '',
    ...over,
  };
}

const check = (runs: CheckRun[], over: Partial<CheckInput> = {}) => findings({ config, budgetS: 5, graceS: 31, markers: 3, runs, ...over });
const missingTexts = (list: ReturnType<typeof findings>) => list.filter((f) => f.missing).map((f) => f.text);

test('a ported script is ready, with its seal level said as a note', () => {
  const found = check([run(1), run(2)]);
  assert.ok(isReady(found), JSON.stringify(found));
  assert.deepEqual(
    found.map((f) => f.text.split(':')[0]),
    ['seal'],
  );
  assert.match(found[0]!.text, /self-reported: val_loss comes from code experiments edit/);
});

test('a plain script (no @ns lines, a fixed seed, no budget) gets one line for each', () => {
  const log = 'step 0: train loss 4.1747, val loss 4.1762\nstep 100: train loss 2.4665, val loss 2.5202\n';
  const plain = (seed: number) => run(seed, { status: 'crashed', reason: 'exited with code 0 without a final line', final: null, steps: [], log, runS: 9.2 });
  const found = missingTexts(check([plain(1), plain(2)], { markers: 0 }));
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0]!, /^no @ns lines, so no final val_loss: .*ns\.report_final\(val_loss=…/);
  assert.match(found[1]!, /^the seed is ignored: seeds 1 and 2 printed the same numbers.*ns\.seed_everything\(env\.seed\)/);
  assert.match(found[2]!, /^no budget handling: it ran 9\.2 s of a 5 s budget .*ns\.plan_steps/);
  assert.ok(check([plain(1), plain(2)], { markers: 0 }).some((f) => !f.missing && /no @knob or @ablate markers in train\.py/.test(f.text)));
});

test('the seed counts as used when the first printed losses differ, whatever the clock does later', () => {
  const plain = (seed: number, log: string) => run(seed, { status: 'crashed', final: null, steps: [], log });
  const used = check([plain(1, 'iter 0: loss 4.1702, time 31ms\n'), plain(2, 'iter 0: loss 4.1815, time 29ms\n')]);
  assert.ok(!missingTexts(used).some((t) => t.startsWith('the seed')));
  // @ns lines: the values at the steps both printed.
  const same = { steps: [{ step: 50, elapsed_s: 2, values: { train_loss: 3.2 } }], final: { final: true, val_loss: 2.5, planned_steps: 9 } };
  assert.ok(missingTexts(check([run(1, same), run(2, same)])).some((t) => t.startsWith('the seed is ignored')));
});

test('a run killed at budget + grace is said to run past the budget, once', () => {
  const late = run(2, { status: 'timeout', reason: 'killed after 36 s (budget + grace) with no final line', final: null, exitCode: null });
  const found = missingTexts(check([run(1), late]));
  assert.deepEqual(found.length, 1, found.join('\n'));
  assert.match(found[0]!, /^it ran past the budget: it was killed after 36 s \(NIGHTSHIFT_BUDGET_S=5 plus 31 s grace\)/);
});

test('a final line without the metric, or an evaluation that gives none, is said', () => {
  const noMetric = run(1, { final: { final: true, loss: 2, planned_steps: 10 } });
  assert.ok(missingTexts(check([noMetric, run(2)])).some((t) => t.startsWith('the final line has no val_loss')));
  const sealed = { ...config, evaluate: 'python3 evaluate.py' };
  const failed = run(1, { status: 'crashed', reason: "evaluate exited with code 1 before the evaluation's final line: KeyError", evaluation: null });
  const found = check([failed, run(2, { evaluation: { final: true, val_loss: 2.2 } })], { config: sealed });
  assert.match(missingTexts(found)[0]!, /^the evaluation gave no val_loss: evaluate exited with code 1/);
  assert.ok(found.some((f) => !f.missing && f.text.startsWith('seal: separate')));
});

test('a script that crashes on its own is said once, with the notes and nothing it could not show', () => {
  const crash = (seed: number) =>
    run(seed, {
      status: 'crashed',
      exitCode: 1,
      final: null,
      steps: [],
      reason: "exited with code 1 without a final line: ModuleNotFoundError: No module named 'tiktoken'",
    });
  const found = check([crash(1), crash(2)]);
  assert.deepEqual(missingTexts(found), [
    "the check run crashed: exited with code 1 without a final line: ModuleNotFoundError: No module named 'tiktoken'; run it by hand with NIGHTSHIFT_BUDGET_S and NIGHTSHIFT_SEED set to see why",
  ]);
});

test('an autoresearch script is asked for its summary block, and a wall-clock stop is only a note', () => {
  const silent = (seed: number) => run(seed, { status: 'crashed', final: null, steps: [], log: 'training...\n' });
  const autoresearch = { ...config, metric: 'val_bpb', protocol: 'autoresearch' as const };
  assert.match(missingTexts(check([silent(1), silent(2)], { config: autoresearch }))[0]!, /^no autoresearch summary block/);
  const clock = (seed: number) => run(seed, { final: { final: true, val_loss: 2 + seed, elapsed_s: 5 } });
  const found = check([clock(1), clock(2)]);
  assert.ok(isReady(found));
  assert.ok(found.some((f) => f.text.startsWith('no planned_steps: a wall-clock stop')));
});

test('a broken rule the other lines do not explain is said with its reason', () => {
  const broke = run(2, { status: 'invalid', reason: 'it changed input.txt during the run; only the editable files may change' });
  assert.deepEqual(missingTexts(check([run(1), broke])), [
    'the check run on seed 2 broke a rule of the measurement: it changed input.txt during the run; only the editable files may change',
  ]);
});
