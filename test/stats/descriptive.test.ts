import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mean, pooledSd, sd, variance } from '../../agent/stats/descriptive.ts';
import { close } from './close.ts';

describe('descriptive statistics', () => {
  it('mean, sample variance and SD', () => {
    assert.equal(mean([1, 2, 3, 6]), 3);
    close(variance([1, 2, 3, 6]), 14 / 3, 1e-15);
    close(sd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-15);
    assert.ok(Number.isNaN(variance([5])));
    assert.throws(() => mean([]), RangeError);
  });

  it('pools within-group spread only, ignoring differences between group means', () => {
    // Groups {1,3} and {10,12,14}: SS = 2 + 8, df = 1 + 2.
    const p = pooledSd([[1, 3], [10, 12, 14], [100]]);
    assert.equal(p.df, 3);
    close(p.sd, Math.sqrt(10 / 3), 1e-15);
    const none = pooledSd([[1], [2]]);
    assert.equal(none.df, 0);
    assert.ok(Number.isNaN(none.sd));
  });
});
