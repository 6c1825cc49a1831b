import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fCdf, varianceRatioP } from '../../agent/stats/f-dist.ts';
import { homogeneousNoise } from '../../agent/stats/heterogeneity.ts';
import { gaussian, mulberry32 } from '../../agent/stats/random.ts';

describe('F distribution', () => {
  it('matches closed forms and published quantiles', () => {
    // F(2, d2): P(F ≤ f) = 1 − (1 + 2f/d2)^(−d2/2).
    for (const [f, d2] of [
      [0.5, 4],
      [3, 10],
      [9.55, 3],
    ] as const) {
      assert.ok(Math.abs(fCdf(f, 2, d2) - (1 - (1 + (2 * f) / d2) ** (-d2 / 2))) < 1e-12);
    }
    // Tables: F(5, 10) 0.95 quantile 3.326; F(10, 20) 0.99 quantile 3.368.
    assert.ok(Math.abs(fCdf(3.326, 5, 10) - 0.95) < 1e-3);
    assert.ok(Math.abs(fCdf(3.368, 10, 20) - 0.99) < 1e-3);
    assert.equal(fCdf(0, 3, 3), 0);
    assert.equal(fCdf(Infinity, 3, 3), 1);
    assert.ok(Math.abs(varianceRatioP(1, 8, 8) - 1) < 1e-12);
  });
});

describe('homogeneous noise', () => {
  const normal = gaussian(mulberry32(3));
  const group = (sd: number, n = 3) => Array.from({ length: n }, () => sd * normal());

  it('sets aside a group 20x wider and one that does not vary, never the fixed baseline', () => {
    const groups = [group(1, 5), ...Array.from({ length: 10 }, () => group(1)), group(20), [0.3, 0.3, 0.3]];
    const r = homogeneousNoise(groups, { alpha: 0.01, fixed: [0] });
    assert.deepEqual(
      r.excluded.map((x) => x.index).sort((a, b) => a - b),
      [11, 12],
    );
    assert.ok(r.noise.sd > 0.6 && r.noise.sd < 1.5, `sd ${r.noise.sd}`);
    assert.ok(r.kept.includes(0));
  });

  it('sets aside about alpha of the time where the noise is equal', () => {
    let trials = 0;
    let any = 0;
    for (let t = 0; t < 400; t++) {
      const r = homogeneousNoise([group(1, 5), ...Array.from({ length: 12 }, () => group(1))], { alpha: 0.01, fixed: [0] });
      trials++;
      if (r.excluded.length > 0) any++;
    }
    assert.ok(any / trials <= 0.03, `family-wise exclusions ${any}/${trials}`);
  });

  it('groups of one run carry no spread and are neither pooled nor tested', () => {
    const r = homogeneousNoise([[1, 2, 3], [5], [2, 3]], { alpha: 0.01 });
    assert.deepEqual(r.kept, [0, 2]);
    assert.equal(r.noise.df, 3);
  });
});
