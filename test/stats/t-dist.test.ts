import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalCdf, normalQuantile } from '../../agent/stats/normal.ts';
import { logGamma, regularizedBeta } from '../../agent/stats/special.ts';
import { tCdf, tQuantile } from '../../agent/stats/t-dist.ts';
import { close } from './close.ts';

// Reference values: published t tables to 3 decimals, and scipy.stats / scipy.special to 12.
describe('special functions', () => {
  it('logGamma matches factorials and Γ(½) = √π', () => {
    close(logGamma(1), 0, 1e-13);
    close(logGamma(6), Math.log(120), 1e-12);
    close(logGamma(0.5), 0.5723649429247, 1e-12);
    close(logGamma(10.5), 13.940625219403763, 1e-11);
    close(logGamma(100), 359.1342053695754, 1e-9);
  });

  it('regularizedBeta matches closed forms and scipy.special.betainc', () => {
    close(regularizedBeta(0.3, 1, 1), 0.3, 1e-14);
    close(regularizedBeta(0.7, 3, 1), 0.7 ** 3, 1e-14);
    close(regularizedBeta(0.5, 2, 3), 0.6875, 1e-14);
    close(regularizedBeta(0.3, 0.5, 0.5), 0.36901011956554536, 1e-12);
    close(regularizedBeta(0.4, 10, 20), 0.7853183897628262, 1e-12);
    close(regularizedBeta(0.9, 2.5, 0.5), 0.48958974456442755, 1e-12);
    assert.equal(regularizedBeta(0, 2, 3), 0);
    assert.equal(regularizedBeta(1, 2, 3), 1);
  });
});

describe('normal distribution', () => {
  it('CDF and quantile match known values', () => {
    close(normalCdf(1.96), 0.9750021048517795, 1e-14);
    close(normalCdf(-3), 0.0013498980316300933, 1e-15);
    close(normalCdf(-0.5), 0.3085375387259869, 1e-14);
    close(normalCdf(0), 0.5, 1e-15);
    close(normalCdf(-8) / 6.22096057427174e-16, 1, 1e-6, 'relative, far tail');
    close(normalQuantile(0.975), 1.959963984540054, 1e-8);
    close(normalQuantile(1e-5), -4.264890793922825, 1e-7);
    close(normalQuantile(0.3), -0.5244005127080409, 1e-8);
  });
});

describe('Student t distribution', () => {
  const table: [df: number, q975: number, q95: number][] = [
    [1, 12.706, 6.314],
    [2, 4.303, 2.92],
    [3, 3.182, 2.353],
    [4, 2.776, 2.132],
    [5, 2.571, 2.015],
    [7, 2.365, 1.895],
    [10, 2.228, 1.812],
    [30, 2.042, 1.697],
  ];

  it('quantiles match the printed t table', () => {
    for (const [df, q975, q95] of table) {
      close(tQuantile(0.975, df), q975, 5e-4, `t(0.975, ${df})`);
      close(tQuantile(0.95, df), q95, 5e-4, `t(0.95, ${df})`);
      close(tQuantile(0.025, df), -q975, 5e-4, `t(0.025, ${df})`);
    }
    close(tQuantile(0.975, Infinity), 1.959964, 1e-6);
  });

  it('quantiles match scipy to 1e-9, including non-integer df and far tails', () => {
    close(tQuantile(0.975, 4.5), 2.6589123472044034, 1e-9);
    close(tQuantile(0.001, 3), -10.214531852407385, 1e-8);
    close(tQuantile(0.001, 7), -4.785289628638334, 1e-9);
    close(tQuantile(0.001, 30), -3.385184866829305, 1e-9);
  });

  it('CDF matches the closed forms for 1 and 2 df and scipy elsewhere', () => {
    for (const t of [-5, -1.3, 0, 0.4, 2, 12]) {
      close(tCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13, `df 1 at ${t}`);
      close(tCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13, `df 2 at ${t}`);
    }
    close(tCdf(2, 5), 0.9490302605850708, 1e-12);
    close(tCdf(2, 4.5), 0.9458710464094375, 1e-12);
    close(tCdf(-3.5, 10), 0.002863252714942605, 1e-14);
    close(tCdf(-3.5, 30), 0.0007384037188221266, 1e-14);
  });

  it('quantile inverts the CDF', () => {
    for (const df of [1, 2, 3, 6.3, 25, 200]) {
      for (const p of [0.0005, 0.05, 0.3, 0.5, 0.8, 0.99]) close(tCdf(tQuantile(p, df), df), p, 1e-10, `df ${df} p ${p}`);
    }
  });

  it('rejects what is not a distribution', () => {
    assert.throws(() => tCdf(1, 0), RangeError);
    assert.throws(() => tQuantile(1.2, 3), RangeError);
    assert.equal(tQuantile(1, 3), Infinity);
    assert.equal(tCdf(-Infinity, 3), 0);
  });
});
