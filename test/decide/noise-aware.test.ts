import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOISE_AWARE_DEFAULTS, NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import { createPolicy, POLICY_NAMES } from '../../agent/decide/registry.ts';
import type { Decision } from '../../agent/decide/types.ts';
import { BASELINE, input, runs } from './fixtures.ts';

const policy = new NoiseAwarePolicy();

function final(d: Decision): Extract<Decision, { stats: unknown }> {
  assert.notEqual(d.verdict, 'confirm', d.reason);
  return d as Extract<Decision, { stats: unknown }>;
}

describe('noise-aware policy', () => {
  it('states its defaults', () => {
    assert.deepEqual(
      { ...policy.options },
      { alpha: 0.05, minEffectSd: 1, promisingSd: 0.25, maxRuns: 3, minKeepRuns: 2, planEffectSd: 2, power: 0.85, simplifyMarginSd: 0.5, simplifyMaxRuns: 6 },
    );
    assert.deepEqual({ ...NOISE_AWARE_DEFAULTS }, { ...policy.options });
    assert.equal(policy.name, 'noise-aware');
    assert.equal(new NoiseAwarePolicy({ alpha: 0.01 }).options.alpha, 0.01);
    assert.throws(() => new NoiseAwarePolicy({ alpha: 0.7 }));
    assert.throws(() => new NoiseAwarePolicy({ maxRuns: 0 }));
  });

  it('seeds: baseline 1..n, screen on the first baseline seed, confirm on unused baseline seeds, then new ones', () => {
    assert.deepEqual(policy.baselineSeeds(3), [1, 2, 3]);
    assert.equal(policy.screenSeed({ baseline: BASELINE }), 1);
    assert.equal(policy.screenSeed({ baseline: [] }), 1);
    // The k-th candidate on a baseline screens on its (k mod m)-th seed: seed luck is spread, not shared by all.
    assert.deepEqual(
      [0, 1, 4, 5].map((index) => policy.screenSeed({ baseline: BASELINE, index })),
      [1, 2, 5, 1],
    );
    const d = policy.decide(input({ baseline: runs([1.9, 1.91]), candidate: runs([1.8, 1.79]) }));
    assert.equal(d.verdict, 'confirm');
    assert.equal(d.verdict === 'confirm' && d.seed, 3);
    assert.match(d.reason, /seed 3, a new one/);
  });

  it('wants one more baseline run per revert against it, up to twice --baseline-runs', () => {
    assert.deepEqual(
      [0, 1, 2, 4, 5, 6, 50].map((reverts) => policy.headRuns(5, reverts)),
      [5, 6, 7, 9, 10, 10, 10],
    );
    assert.deepEqual(
      [0, 1, 3].map((reverts) => policy.headRuns(1, reverts)),
      [1, 2, 2],
    );
  });

  it('reverts at once a screening run that is not better than the baseline mean', () => {
    const d = final(policy.decide(input({ candidate: runs([1.91]) })));
    assert.equal(d.verdict, 'revert');
    assert.equal(d.stats.n, 1);
    assert.ok(Math.abs(d.stats.delta - 0.01) < 1e-12);
    assert.match(d.reason, /^reverted after 1 run: Δ \+0\.01 \(\+0\.6 SD of noise 0\.016\), p=0\.70 over n=1 run on a baseline seed vs a baseline of 5/);
  });

  it('reverts a screening run better by less than promisingSd noise SDs', () => {
    // 0.2 SD better than the mean: not worth another run.
    assert.equal(policy.decide(input({ candidate: runs([1.9 - 0.2 * 0.0158]) })).verdict, 'revert');
  });

  it('confirms a promising screening run on the next baseline seed', () => {
    const d = policy.decide(input({ candidate: runs([1.87]) }));
    assert.deepEqual([d.verdict, d.verdict === 'confirm' && d.seed], ['confirm', 2]);
    assert.match(
      d.reason,
      /^promising: Δ −0\.03 \(−1\.9 SD of noise 0\.016\), p=0\.079 over n=1 run on a baseline seed vs a baseline of 5; next: seed 2, as a baseline run$/,
    );
  });

  it('keeps a confirmed, significant improvement of more than one SD, with the numbers in the reason', () => {
    const d = final(policy.decide(input({ candidate: runs([1.87, 1.86, 1.865]) })));
    assert.equal(d.verdict, 'keep');
    assert.equal(d.reason, 'kept: Δ −0.035 (−2.6 SD of noise 0.013), p=0.006 over n=3 runs on baseline seeds vs a baseline of 5');
    assert.equal(d.stats.n, 3);
    assert.ok(d.stats.p! < 0.05);
    assert.ok(d.stats.ciLow! < d.stats.delta && d.stats.delta < d.stats.ciHigh! && d.stats.ciHigh! < 0);
  });

  it('reverts a confirmed candidate whose test fails', () => {
    const d = final(policy.decide(input({ candidate: runs([1.89, 1.9, 1.885]) })));
    assert.equal(d.verdict, 'revert');
    assert.match(d.reason, /p=0\.22 .*a keep needs p<0\.05 and an improvement of at least 1 SD$/);
  });

  it('reverts a significant improvement smaller than the minimum effect', () => {
    // With 30 runs a side a 0.8-SD gain is significant; the minimum effect still says no.
    const wiggle = (centre: number) => Array.from({ length: 30 }, (_, i) => centre + (i % 2 ? 0.01 : -0.01));
    const p = new NoiseAwarePolicy({ maxRuns: 30 });
    const d = final(p.decide(input({ baseline: runs(wiggle(1.9)), candidate: runs(wiggle(1.9 - 0.008)) })));
    assert.equal(d.verdict, 'revert');
    assert.match(d.reason, /smaller than the 1 SD minimum effect$/);
  });

  it('maximize: a higher value is the improvement', () => {
    const up = runs([2.1, 2.11, 2.09]);
    const baseline = runs([2.0, 2.01, 1.99]);
    assert.equal(policy.decide(input({ goal: 'maximize', baseline, candidate: up })).verdict, 'keep');
    assert.equal(policy.decide(input({ goal: 'minimize', baseline, candidate: up.slice(0, 1) })).verdict, 'revert');
  });

  it('minRuns forces runs before any verdict, then tests without screening', () => {
    const worse = runs([1.95, 1.96]);
    const d = policy.decide(input({ candidate: worse, minRuns: 3 }));
    assert.equal(d.verdict, 'confirm');
    assert.match(d.reason, /^run 3 of the 3 this change needs for an interval/);
    const five = new NoiseAwarePolicy().decide(input({ candidate: runs([1.95, 1.96, 1.94]), minRuns: 5 }));
    assert.equal(five.verdict, 'confirm');
    const done = final(policy.decide(input({ candidate: runs([1.95, 1.96, 1.94]), minRuns: 3 })));
    assert.equal(done.verdict, 'revert');
    assert.ok(done.stats.ciLow !== null && done.stats.ciLow > 0, 'the interval of a harmful ablation excludes zero');
  });

  it('a one-run baseline borrows the noise from noise groups', () => {
    const groups = [runs([1.5, 1.52, 1.48], 10), runs([1.7, 1.71, 1.69], 20)];
    const d = final(policy.decide(input({ baseline: runs([1.9]), noiseGroups: groups, candidate: runs([1.85, 1.86, 1.84]) })));
    assert.equal(d.verdict, 'keep');
    assert.ok(d.stats.sd !== null && d.stats.sd > 0);
  });

  it('a one-run baseline with nothing else: promising on any gain, then the candidate supplies the noise', () => {
    const first = policy.decide(input({ baseline: runs([1.9]), candidate: runs([1.89]) }));
    assert.equal(first.verdict, 'confirm');
    assert.match(first.reason, /no noise estimate yet/);
    const single = new NoiseAwarePolicy({ maxRuns: 1 });
    const d = final(single.decide(input({ baseline: runs([1.9]), candidate: runs([1.8]) })));
    assert.equal(d.verdict, 'revert');
    assert.equal(d.stats.sd, null);
    assert.equal(d.stats.p, null);
    assert.match(d.reason, /no noise estimate to test against/);
  });

  it('zero variance: any strict improvement is exact, no change is not', () => {
    const flat = runs([1.9, 1.9, 1.9]);
    const better = final(policy.decide(input({ baseline: flat, candidate: runs([1.89, 1.89, 1.89]) })));
    assert.equal(better.verdict, 'keep');
    assert.equal(better.stats.sd, 0);
    assert.match(better.reason, /noise SD 0/);
    assert.equal(policy.decide(input({ baseline: flat, candidate: runs([1.9]) })).verdict, 'revert');
    assert.equal(final(policy.decide(input({ baseline: flat, candidate: flat, minRuns: 3 }))).verdict, 'revert');
  });

  it('rejects inputs the loop should never send', () => {
    assert.throws(() => policy.decide(input({ candidate: [] })), /no finished run/);
    assert.throws(() => policy.decide(input({ baseline: [], candidate: runs([1]) })), /baseline/);
    assert.throws(() => policy.decide(input({ candidate: runs([NaN]) })), /finite/);
  });

  it('is what the registry builds by default', () => {
    assert.deepEqual([...POLICY_NAMES], ['noise-aware', 'greedy']);
    assert.equal(createPolicy('noise-aware').name, 'noise-aware');
    assert.equal(createPolicy('greedy').name, 'greedy');
  });
});
