import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkRuns } from '../../agent/adopt/check-runs.ts';
import { plansForRun, recordPlan, shortenPlan } from '../../agent/measurement/plan-record.ts';
import { openLogForWriting } from '../../agent/store/db.ts';
import { PlanStore } from '../../agent/store/plans.ts';
import { fastSandbox, tempDir } from '../helpers.ts';
import { nightshift } from '../cli/cli.ts';
import { options, runLoop, scriptedEdits } from '../loop/harness.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';

function store(): PlanStore {
  const db = openLogForWriting(path.join(tempDir(), 'log.db'));
  // Plans only: the sessions and experiments they point to are another test's business.
  db.pragma('foreign_keys = OFF');
  return new PlanStore(db);
}

const CONFIG = 'c'.repeat(64);
const stopped = { final: true, steps: 852, planned_steps: 953, plan_lead: 400, plan_shape: 'a1', stopped: 'deadline' };

test("a configuration's first run stopped by its deadline cuts the plan it made to what it trained, and is measured again", () => {
  const plans = store();
  recordPlan(plans, 1, CONFIG, 300, stopped, 7);
  const reason = shortenPlan(plans, 1, CONFIG, 300, stopped, 7);
  assert.equal(
    reason,
    'its deadline stopped it after 852 of the 953 steps it planned (the machine slowed after timing them): the plan is now 852 steps, and the run is measured again on it',
  );
  // The later runs get the shorter plan, for the configuration and its shape, and the same lead.
  assert.deepEqual(plansForRun(plans, 1, CONFIG, 300), { steps: 852, shapes: { a1: 852, 'a1~lead': 400 }, lead: 400 });
});

test('a replay stopped short, a plan finished, or a line without a deadline leaves the plan as it was', () => {
  const plans = store();
  recordPlan(plans, 1, CONFIG, 300, { ...stopped, steps: 953, stopped: undefined }, 7);
  // Run 8 replayed run 7's plan and was stopped: the runs made on 953 steps stay comparable with the next ones.
  assert.equal(shortenPlan(plans, 1, CONFIG, 300, stopped, 8), null);
  assert.equal(shortenPlan(plans, 1, CONFIG, 300, { ...stopped, steps: 953 }, 7), null, 'it finished its plan');
  assert.equal(shortenPlan(plans, 1, CONFIG, 300, { ...stopped, stopped: undefined }, 7), null, 'no deadline said');
  assert.equal(plansForRun(plans, 1, CONFIG, 300).steps, 953);
});

/** The fast sandbox, whose first run of a configuration (no NIGHTSHIFT_STEPS) planned 3 steps more than it trained, as a machine that slowed after the lead-in makes it; a replay trains what it is given. */
function slowedSandbox(replayShortOnSeed = 0): string {
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  const given = 'const given = process.env.NIGHTSHIFT_STEPS === undefined ? null : Number(process.env.NIGHTSHIFT_STEPS);\n';
  // With replayShortOnSeed, a replay on that seed says it was stopped one step short of its plan.
  const short = `(given !== null && seed === ${replayShortOnSeed})`;
  const planFields = `steps: ${short} ? given - 1 : step, planned_steps: given ?? step + 3, ...(given === null || ${short} ? { stopped: 'deadline' } : {}), given_steps: given, `;
  fs.writeFileSync(train, given + fs.readFileSync(train, 'utf8').replace('steps: step, ', planFields));
  return sandbox;
}

test('through the loop: each first run its deadline stopped is interrupted and measured again on the shorter plan, which every later run of it trains', async () => {
  const sandbox = slowedSandbox();
  const { rows } = await runLoop(options(sandbox, { maxExperiments: 2 }));
  const finals = rows.map((e) => (e.final_json ? JSON.parse(e.final_json) : null));
  const interrupted = rows.filter((e) => e.status === 'interrupted');
  assert.ok(interrupted.length >= 3, 'the baseline and each change: one first run each');
  const trained = new Set<number>();
  for (const e of interrupted) {
    const [, steps, planned] = /^its deadline stopped it after (\d+) of the (\d+) steps it planned/.exec(e.reason ?? '') ?? [];
    assert.equal(Number(planned), Number(steps) + 3, e.reason ?? '');
    trained.add(Number(steps));
  }
  const done = rows.filter((e) => e.status === 'done');
  assert.ok(done.length >= 4);
  // Every finished run was handed a plan, and it is what its configuration's first run trained.
  for (const [i, e] of rows.entries()) {
    if (e.status !== 'done') continue;
    assert.equal(finals[i].given_steps, finals[i].steps, `#${e.id} trained the plan it was given`);
    assert.ok(trained.has(finals[i].steps), `#${e.id}: ${finals[i].steps} steps, what a first run trained`);
    assert.ok(finals[i].stopped === undefined);
  }
  assert.ok(!rows.some((e) => e.decision === 'pending'));
});

test("adopt's check measures a seed again when its first run comes back with the plan cut, and is not taken for a stop", async () => {
  const checked = await checkRuns(slowedSandbox(), { budgetS: 5, seeds: [1, 2], scratch: tempDir(), signal: new AbortController().signal });
  assert.equal(checked.interrupted, false);
  assert.deepEqual(
    checked.runs.map((r) => [r.seed, r.status, r.final?.given_steps === r.final?.steps]),
    [
      [1, 'done', true],
      [2, 'done', true],
    ],
  );
});

test('a replay its deadline stopped short is recorded as it ran, saying it trained fewer steps, and the plan stays', async () => {
  const db = path.join(tempDir(), 'log.db');
  const { rows } = await runLoop(options(slowedSandbox(2), { maxExperiments: 1 }), { db });
  const short = rows.filter((e) => e.status === 'done' && e.seed === 2);
  assert.ok(short.length >= 1);
  for (const e of short) {
    const final = JSON.parse(e.final_json!);
    assert.equal(final.steps, final.given_steps - 1);
    assert.match(
      e.reason ?? '',
      new RegExp(
        `its deadline stopped it after ${final.steps} of the ${final.given_steps} planned steps \\(the machine slowed\\), fewer than its configuration's other runs trained`,
      ),
    );
  }
  for (const e of rows.filter((r) => r.status === 'done' && r.seed !== 2)) assert.doesNotMatch(e.reason ?? '', /deadline/, `#${e.id}`);
  const shown = await nightshift(['show', String(short[0]!.id), '--db', db]);
  assert.match(String(shown.stdout), /^note +its deadline stopped it after \d+ of the \d+ planned steps/m);
  // Only the first runs were interrupted: a short replay is not measured again.
  assert.ok(rows.filter((e) => e.status === 'interrupted').every((e) => /steps it planned/.test(e.reason ?? '')));
});

/**
 * The fast sandbox with a step plan per shape, as the helpers make one: the shape is the epoch
 * count (a learning rate leaves it alone); with neither NIGHTSHIFT_STEPS nor its shape in
 * NIGHTSHIFT_SHAPE_STEPS it "times" a plan (a number no runner hands out), and says where its plan came from.
 */
function shapedSandbox(): string {
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  const plan = `
const shape = 'epochs' + config.epochs;
const shapes = JSON.parse(process.env.NIGHTSHIFT_SHAPE_STEPS ?? '{}');
const given = process.env.NIGHTSHIFT_STEPS;
const [planned, source] = given !== undefined ? [Number(given), 'configuration'] : shapes[shape] !== undefined ? [shapes[shape], 'shape'] : [1000 + config.epochs, 'timed'];
`;
  const text = fs.readFileSync(train, 'utf8').replace('const started = Date.now();', `${plan}const started = Date.now();`);
  fs.writeFileSync(train, text.replace('steps: step, ', 'steps: step, planned_steps: planned, plan_shape: shape, plan_source: source, '));
  return sandbox;
}

test("through the loop: a change of a value trains its shape's plan untimed; a change of shape times its own", async () => {
  const edit = (from: string, to: string) => (workspace: string) => {
    const file = path.join(workspace, 'train.mjs');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
  };
  const { rows } = await runLoop(options(shapedSandbox(), { maxExperiments: 2, baselineRuns: 2 }), {
    proposer: scriptedEdits(
      { description: 'lr 0.05', apply: edit('lr: 0.03,', 'lr: 0.05,') },
      { description: 'epochs 8', apply: edit('epochs: 4,', 'epochs: 8,') },
    ),
  });
  const planOf = (e: ExperimentRow) => {
    const final = JSON.parse(e.final_json ?? '{}') as { planned_steps?: number; plan_source?: string };
    return [final.plan_source, final.planned_steps];
  };
  const runsOf = (description: string) => rows.filter((e) => e.description === description && e.status === 'done');
  const [first, ...later] = rows.filter((e) => e.kind === 'baseline' && e.status === 'done');
  assert.deepEqual(planOf(first!), ['timed', 1004]);
  for (const e of later) assert.deepEqual(planOf(e), ['configuration', 1004]);
  const lr = runsOf('lr 0.05');
  assert.ok(lr.length > 0);
  assert.deepEqual(planOf(lr[0]!), ['shape', 1004], "the learning rate's first run: the baseline's shape, untimed");
  const epochs = runsOf('epochs 8');
  assert.ok(epochs.length > 0);
  assert.deepEqual(planOf(epochs[0]!), ['timed', 1008], 'a new shape is timed');
});
