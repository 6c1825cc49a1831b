import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GreedyPolicy } from '../../agent/decide/greedy.ts';
import type { DecisionPolicy } from '../../agent/decide/types.ts';
import { input, runs } from './fixtures.ts';

const greedy = new GreedyPolicy();

describe('greedy policy (autoresearch)', () => {
  it('keeps one run that beats the best single value, with no confirmation', () => {
    const d = greedy.decide(input({ candidate: runs([1.875]), bestSingle: 1.88 }));
    assert.ok(d.verdict === 'keep' && d.stats.p === null, d.reason);
    assert.equal(d.reason, 'kept (greedy): 1.875 beats the best single run so far, 1.88; Δ −0.025 (−1.6 SD of noise 0.016) vs the baseline mean, n=1, no test');
  });

  it('never asks for more baseline runs than --baseline-runs, however many reverts', () => {
    const policy: DecisionPolicy = greedy;
    assert.deepEqual(
      [0, 1, 7].map((reverts) => policy.headRuns(3, reverts)),
      [3, 3, 3],
    );
  });

  it('reverts one that beats the baseline mean but not the record', () => {
    const d = greedy.decide(input({ candidate: runs([1.885]), bestSingle: 1.88 }));
    assert.equal(d.verdict, 'revert');
    assert.match(d.reason, /^reverted \(greedy\): 1\.885 does not beat/);
  });

  it('maximize, and the baseline as the record when none is given', () => {
    assert.equal(greedy.decide(input({ goal: 'maximize', candidate: runs([1.93]), bestSingle: undefined })).verdict, 'keep');
    assert.equal(greedy.decide(input({ goal: 'maximize', candidate: runs([1.915]), bestSingle: undefined })).verdict, 'revert');
  });

  it('honours minRuns, comparing the mean', () => {
    assert.equal(greedy.decide(input({ candidate: runs([1.87]), minRuns: 2 })).verdict, 'confirm');
    const d = greedy.decide(input({ candidate: runs([1.87, 1.895]), minRuns: 2 }));
    assert.equal(d.verdict, 'revert');
    assert.match(d.reason, /the mean 1\.8825 of 2 runs/);
  });
});
