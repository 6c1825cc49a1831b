import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { factorialFactors, MIN_RESIDUAL_DF, nextFactorialPoint, passesNeeded } from '../../agent/proposers/factorial-points.ts';
import { fractionalFactorial } from '../../agent/design/fractional-factorial.ts';
import { scanMarkers } from '../../agent/knobs/scan.ts';
import { plannerPlan } from '../../agent/proposers/plan-estimate.ts';
import { REPO } from '../helpers.ts';
import { row } from '../ui/rows.ts';

// The simulated sandbox: five components (posEncoding with two alternatives), three knobs.
const markers = scanMarkers(path.join(REPO, 'bench', 'sim-sandbox'), ['train.mjs']);

test('one factor per component, at its removing alternative', () => {
  assert.deepEqual(
    factorialFactors(markers).map((f) => `${f.spec.part}=${f.spec.to} ${f.spec.action}`),
    ['residual=false REMOVE', 'layerNorm=false REMOVE', "posEncoding='none' REMOVE", 'gelu=false REMOVE', 'bias=false REMOVE'],
  );
});

test('a second pass on new seeds only where the baseline leaves the fit short of residual df', () => {
  const design = fractionalFactorial(5);
  // 16 coefficients, 15 points besides the baseline's.
  assert.equal(passesNeeded(design, 5), 2);
  assert.equal(passesNeeded(design, 1 + MIN_RESIDUAL_DF), 1);
  assert.equal(passesNeeded(fractionalFactorial(6), 5), 1);
});

test('the points in order, then the next pass, then nothing; none on a commit other than the design began on', () => {
  const tried = new Set<string>();
  const seen: string[] = [];
  for (let next = nextFactorialPoint([], markers, 'c0', tried); next; next = nextFactorialPoint([], markers, 'c0', tried)) {
    tried.add(next.changeKey);
    seen.push(`${next.pass}.${next.index}`);
  }
  // No baseline measured in this history: as many passes as the df rule asks for with none.
  const passes = passesNeeded(fractionalFactorial(5), 0);
  assert.equal(seen.length, passes * 15);
  assert.equal(seen[15], '2.1');
  assert.equal(new Set(tried).size, seen.length, 'a change key per point and pass');
  // A design that began on c0 is over once the head is elsewhere (a keep of the knob phase).
  const begun = [row({ kind: 'interaction', design: 'factorial', base_commit: 'c0', change_key: [...tried][0]! })];
  assert.ok(nextFactorialPoint(begun, markers, 'c0', new Set()));
  assert.equal(nextFactorialPoint(begun, markers, 'c1', new Set()), undefined);
});

test("the plan counts the factorial design's runs instead of leave-one-out and pairs", () => {
  const phases = plannerPlan(markers, { ablationRuns: 3, interactionTop: 3, design: 'factorial', baselineRuns: 5 });
  assert.deepEqual(
    phases.map((p) => p.name),
    ['factorial design', 'knobs'],
  );
  assert.deepEqual(phases[0], { name: 'factorial design', runs: 30, note: '15 points × 2 passes' });
  // leave-one-out with redundancy pairs: 3 strongest and the 2 other components, 3 + 1 pairs and 5 re-measures.
  const loco = plannerPlan(markers, { ablationRuns: 3, interactionTop: 3, redundancyTop: 3 });
  assert.deepEqual(loco[1], { name: 'interactions', runs: 27, atMost: true, note: '4 pairs + 5 re-measures, ×3' });
});
