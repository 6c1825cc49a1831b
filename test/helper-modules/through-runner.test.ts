/**
 * The helpers as a run gets them: sandboxes that import them (Python's `import nightshift`,
 * TypeScript's '@nightshift/helpers') run through the real loop and runner, inside bubblewrap
 * where it is usable, with no install of their own. The Python one also shows the step plan
 * going round: the first run times its steps, nightshift records them, the second trains them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PYTHON_HELPERS } from '../../agent/runner/env.ts';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { tempDir } from '../helpers.ts';
import { options, runLoop } from '../loop/harness.ts';

const bwrap = (await probeBwrap()).usable;
const PYTHON = '/usr/bin/python3';

function sandbox(files: Record<string, string>): string {
  const dir = tempDir('ns-helper-sandbox-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const config = (command: string, script: string) => JSON.stringify({ command, metric: 'val_loss', goal: 'minimize', editable: [script], readonly: [] });

// A "model" whose step is a little arithmetic; what matters is what the helper hands it. The grace is
// wide: a loaded test machine can take seconds to start an interpreter.
const GRACE_S = 30;
const TRAIN_PY = `import os
import nightshift as ns

env = ns.read_env()
ns.seed_everything(env.seed)
plan = ns.plan_steps(env, lambda: ns.time_steps(lambda: sum(range(20000)), env.budget_s))
plan.start()
step = 0
while plan.running(step):
    sum(range(20000))
    step += 1
ns.report_final(val_loss=1 / (1 + env.seed), timed=plan.measured, helper=ns.__file__, home=os.environ["HOME"], **plan.facts(step))
`;

// No top-level await: tsx runs a file outside an ES module package as CommonJS, as it does the default sandbox.
const TRAIN_TS = `import { planSteps, readEnv, reportFinal, timeSteps } from '@nightshift/helpers';

const env = readEnv();
const work = () => Array.from({ length: 20000 }, (_, i) => i).reduce((a, b) => a + b, 0);
planSteps(env, () => timeSteps(work, env.budgetS)).then((plan) => {
  plan.start();
  let step = 0;
  for (; plan.running(step); step++) work();
  reportFinal({ val_loss: 1 / (1 + env.seed), timed: plan.measured, home: process.env.HOME ?? '', ...plan.facts(step) });
});
`;

const facts = (json: string | null) => JSON.parse(json ?? '{}') as Record<string, unknown>;

test('a Python script imports the helper under the runner (in bubblewrap where usable), and its second run trains the recorded plan', {
  skip: !fs.existsSync(PYTHON) && `${PYTHON} is not installed`,
}, async () => {
  const dir = sandbox({ 'nightshift.json': config(`${PYTHON} train.py`, 'train.py'), 'train.py': TRAIN_PY });
  const { rows } = await runLoop(options(dir, { budgetS: 2, graceS: GRACE_S, maxExperiments: null, maxRuns: 2, baselineRuns: 2 }));
  assert.equal(rows.length, 2);
  for (const row of rows) assert.equal(row.status, 'done', row.reason ?? '');
  const [first, second] = rows.map((r) => facts(r.final_json)) as [Record<string, unknown>, Record<string, unknown>];
  assert.equal(first.helper, path.join(PYTHON_HELPERS, 'nightshift.py'));
  assert.equal(first.home === '/tmp', bwrap, bwrap ? 'ran inside bubblewrap' : 'ran directly');
  assert.equal(first.timed, true);
  assert.equal(second.timed, false, 'the second run of the configuration got NIGHTSHIFT_STEPS');
  assert.equal(second.planned_steps, first.planned_steps);
  assert.equal(second.steps, first.planned_steps);
  assert.ok((first.peak_mem_mb as number) > 1);
  assert.equal(rows[0]!.peak_mem_mb, first.peak_mem_mb);
});

test("a TypeScript script imports @nightshift/helpers under the runner (in bubblewrap where usable), with tsx or with the helpers' own hooks", async () => {
  for (const command of ['tsx train.ts', 'node --import @nightshift/helpers/register train.ts']) {
    const dir = sandbox({ 'nightshift.json': config(command, 'train.ts'), 'train.ts': TRAIN_TS });
    const { rows } = await runLoop(options(dir, { budgetS: 2, graceS: GRACE_S, maxExperiments: null, maxRuns: 1, baselineRuns: 1 }));
    assert.equal(rows[0]!.status, 'done', `${command}: ${rows[0]!.reason ?? ''}`);
    const final = facts(rows[0]!.final_json);
    assert.equal(final.home === '/tmp', bwrap, bwrap ? 'ran inside bubblewrap' : 'ran directly');
    assert.equal(final.timed, true);
    assert.equal(final.steps, final.planned_steps);
  }
});
