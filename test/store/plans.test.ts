import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { buildTrainingEnv } from '../../agent/runner/env.ts';
import { openLogForWriting } from '../../agent/store/db.ts';
import { PlanStore, SHAPE } from '../../agent/store/plans.ts';
import { tempDir } from '../helpers.ts';

function store(): PlanStore {
  const db = openLogForWriting(path.join(tempDir(), 'log.db'));
  // Plans only: the sessions and experiments they point to are another test's business.
  db.pragma('foreign_keys = OFF');
  return new PlanStore(db);
}

test("a run gets its configuration's plan, else the session's shapes at its budget, which reach the script as NIGHTSHIFT_SHAPE_STEPS", () => {
  const plans = store();
  plans.record(1, 'c'.repeat(64), 300, 700, 1);
  plans.record(1, `${SHAPE}a1`, 300, 700, 1);
  plans.record(1, `${SHAPE}a1`, 300, 650, 2);
  plans.record(1, `${SHAPE}b2`, 60, 90, 3);
  plans.record(2, `${SHAPE}c3`, 300, 10, 4);
  assert.deepEqual(
    plans.forRun(1, 'c'.repeat(64), 300),
    { steps: 700, shapes: { a1: 700 } },
    'the first plan of a shape stands; other budgets and sessions are not mixed in',
  );
  assert.deepEqual(plans.forRun(1, 'd'.repeat(64), 60), { steps: null, shapes: { b2: 90 } });
  const vars = { budgetS: 300, seed: 1, experimentId: 5, outDir: '/o', pathPrefix: [] };
  const env = buildTrainingEnv({}, { ...vars, steps: null, shapeSteps: plans.shapes(1, 300) });
  assert.equal(env.NIGHTSHIFT_SHAPE_STEPS, '{"a1":700}');
  assert.equal(env.NIGHTSHIFT_STEPS, undefined);
  assert.equal(buildTrainingEnv({}, { ...vars, shapeSteps: {} }).NIGHTSHIFT_SHAPE_STEPS, undefined, 'none timed yet: no variable');
});
