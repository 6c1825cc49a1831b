import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledSd } from '../../agent/stats/descriptive.ts';
import { oneSided, pairedTTest, pooledTTest, welchTest } from '../../agent/stats/tests.ts';
import { close } from './close.ts';

// Expected values from scipy.stats.ttest_ind / ttest_rel with alternative='less'.
const a = [1.2, 1.5, 1.1, 1.4];
const b = [1.9, 2.1, 1.7];

describe('one-sided t-tests', () => {
  it('Welch: t, Welch–Satterthwaite df and p', () => {
    const r = welchTest(a, b, 'less');
    close(r.t, -4.076197322920545, 1e-12);
    close(r.df, 4.190082644628097, 1e-12);
    close(r.p, 0.006892085476802665, 1e-12);
    close(r.delta, 1.3 - 1.9, 1e-12);
    close(welchTest(a, b, 'greater').p, 1 - 0.006892085476802665, 1e-12);
  });

  it('pooled Student t, by default pooled from the two groups', () => {
    const r = pooledTTest(a, b, 'less');
    close(r.t, -4.140393356054127, 1e-12);
    assert.equal(r.df, 5);
    close(r.p, 0.00449679926747534, 1e-12);
  });

  it('pooled t with noise pooled over more groups uses their df', () => {
    const noise = pooledSd([a, b, [5, 5.2, 4.9, 5.1]]);
    const r = pooledTTest(a, b, 'less', noise);
    assert.equal(r.df, 8);
    close(r.se, noise.sd * Math.sqrt(1 / 4 + 1 / 3), 1e-15);
  });

  it('paired t on same-seed differences', () => {
    const r = pairedTTest([10.1, 9.8, 10.4, 10.0], [10.6, 10.1, 10.9, 10.3], 'less');
    close(r.t, -6.928203230275501, 1e-10);
    assert.equal(r.df, 3);
    close(r.p, 0.00308268656941859, 1e-12);
    assert.throws(() => pairedTTest([1, 2], [1], 'less'), RangeError);
  });

  it('runs without spread: the sign decides, and no df means no test', () => {
    assert.equal(oneSided({ estimate: -0.1, se: 0, df: 4 }, 'less').p, 0);
    assert.equal(oneSided({ estimate: 0.1, se: 0, df: 4 }, 'less').p, 1);
    assert.equal(oneSided({ estimate: 0, se: 0, df: 4 }, 'less').p, 0.5);
    assert.ok(Number.isNaN(oneSided({ estimate: -0.1, se: NaN, df: 0 }, 'less').p));
  });
});
