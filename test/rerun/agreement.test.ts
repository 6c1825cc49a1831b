import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreement, agreementText } from '../../agent/rerun/agreement.ts';
import { rerunSeeds } from '../../agent/rerun/rerun.ts';

const logged = { runs: [1.0, 1.2], base: [0.0, 0.2] };

test("the level check: the new mean against the logged one, on the change's own noise over its logged and new runs", () => {
  const a = agreement(logged, { runs: [1.2, 1.4], base: [0.2, 0.4] }, 1.0);
  // Every group spreads 0.1 around its mean: σ = √(2 × 0.02 / 2) for the change and for the base.
  assert.ok(Math.abs(a.noise.change.sd - Math.sqrt(0.02)) < 1e-12);
  assert.equal(a.noise.change.df, 2);
  assert.equal(a.noise.base.df, 2);
  assert.ok(Math.abs(a.delta! - 1.0) < 1e-12);
  const level = a.level!;
  assert.ok(Math.abs(level.now - level.logged - 0.2) < 1e-12);
  // t = 0.2 / (σ·√(1/2 + 1/2)) = √2 on 2 df, where the t CDF is ½ + t/(2√(2 + t²)): p = 1 − √2/2.
  assert.ok(Math.abs(level.p - (1 - Math.SQRT2 / 2)) < 1e-9, String(level.p));
  assert.equal(level.agrees, true);
  assert.equal(a.effect!.p, 1);
  assert.equal(a.verdict, 'agrees');
});

test("a change far more erratic than its base is judged on its own spread, not on the base's", () => {
  // An ablation that makes training erratic (SD ~0.6) on a calm base (SD ~0.005): a 1.1 move of
  // its mean is within its noise; pooled with the base's runs it would look like a disagreement.
  const a = agreement({ runs: [9.77, 10.02], base: [0.1199, 0.1087, 0.1162] }, { runs: [11.64, 10.41], base: [0.1225, 0.113] }, 9.78);
  assert.ok(a.noise.change.sd > 0.5 && a.noise.base.sd < 0.01);
  assert.equal(a.level!.agrees, true);
  assert.equal(a.effect!.agrees, true);
  assert.equal(a.verdict, 'agrees');
});

test('an effect that holds while the level moved with the base is shifted; an effect that does not hold disagrees', () => {
  const shifted = agreement(logged, { runs: [3.0, 3.2], base: [2.0, 2.2] }, 1.0);
  assert.equal(shifted.effect!.agrees, true);
  assert.equal(shifted.level!.agrees, false);
  assert.equal(shifted.verdict, 'shifted');
  assert.match(agreementText(shifted), /^the effect agrees with the log, the level moved: Δ \+1 now vs \+1 logged/);

  const gone = agreement(logged, { runs: [0.0, 0.2], base: [0.0, 0.2] }, 1.0);
  assert.equal(gone.effect!.agrees, false);
  assert.equal(gone.verdict, 'disagrees');
  assert.match(agreementText(gone), /^does not agree with the log: /);
});

test('without a logged delta the level decides; without any noise estimate nothing does', () => {
  assert.equal(agreement(logged, { runs: [1.1, 1.3], base: [] }, null).verdict, 'agrees');
  assert.equal(agreement(logged, { runs: [1.1, 1.3], base: [] }, null).effect, null);
  const single = agreement({ runs: [1], base: [0] }, { runs: [1.1], base: [0.1] }, 1);
  assert.equal(single.verdict, 'undetermined');
  assert.match(agreementText(single), /^cannot tell/);
});

test('the seeds are fresh: none the session used', () => {
  assert.deepEqual(rerunSeeds([1, 2, 3, 7, 4], 3), [8, 9, 10]);
  assert.deepEqual(rerunSeeds([], 2), [1, 2]);
});
