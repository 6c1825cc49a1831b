import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare } from '../../agent/decide/comparison.ts';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import type { Decision, Measurement } from '../../agent/decide/types.ts';
import { gaussian, mulberry32 } from '../../agent/stats/random.ts';
import { input, runs } from './fixtures.ts';

// Decisions on noise as real training has it: groups that spread wider than the rest, seeds that
// correlate across configurations, and changes that only remove something.
const policy = new NoiseAwarePolicy();
const final = (d: Decision) => {
  assert.notEqual(d.verdict, 'confirm', d.reason);
  return d as Extract<Decision, { stats: unknown }>;
};
const normal = gaussian(mulberry32(7));
/** n runs of one configuration with SD sd, seeds first.. */
const group = (mean: number, sd: number, n: number, first: number): Measurement[] =>
  Array.from({ length: n }, (_, i) => ({ seed: first + i, value: mean + sd * normal() }));

describe('noise that is not assumed equal', () => {
  const steady = Array.from({ length: 8 }, (_, k) => group(1.9, 0.01, 3, 100 + 3 * k));
  const unstable = [group(2.2, 0.2, 3, 200), group(2.4, 0.2, 3, 210)];

  it('sets groups that spread 20x wider aside, names them, and keeps the noise near the baseline’s', () => {
    const baseline = group(1.9, 0.01, 5, 1);
    const c = compare(
      input({
        baseline,
        noiseGroups: [...steady, ...unstable],
        noiseLabels: [...steady.map((_, i) => `steady ${i}`), 'ablate a', 'ablate b'],
        candidate: runs([1.89]),
      }),
    );
    assert.deepEqual(c.noise.excluded.map((x) => x.label).sort(), ['ablate a', 'ablate b']);
    assert.ok(c.noise.sd! > 0.006 && c.noise.sd! < 0.016, `noise ${c.noise.sd}`);
    const pooledAll = compare(input({ baseline, noiseGroups: [...steady, ...unstable], candidate: runs([1.89]) }));
    assert.equal(pooledAll.noise.sd, c.noise.sd, 'labels change nothing but the reason');
  });

  it('a 4-SD gain is kept beside two unstable ablations, and the reason says they were kept out', () => {
    const baseline = runs([1.9, 1.91, 1.89, 1.905, 1.895]);
    const d = final(policy.decide(input({ baseline, noiseGroups: [...steady, ...unstable], candidate: runs([1.86, 1.861, 1.859]) })));
    assert.equal(d.verdict, 'keep', d.reason);
    assert.match(d.reason, /2 unstable groups kept out of the noise/);
    assert.equal(d.stats.noise?.excluded.length, 2);
  });

  it('an unstable candidate is judged by its own spread (Welch), not kept on a lucky mean', () => {
    const baseline = runs([1.9, 1.91, 1.89, 1.905, 1.895]);
    // Mean 1.80: 10 baseline SDs better, but its runs spread 20 times wider.
    const d = final(policy.decide(input({ baseline, noiseGroups: steady, candidate: runs([1.6, 2.0, 1.8]) })));
    assert.equal(d.stats.noise?.method, 'welch');
    assert.equal(d.verdict, 'revert', d.reason);
    assert.match(d.reason, /Welch/);
  });
});

describe('seed-matched comparisons', () => {
  /** Runs whose seed carries a shared part: √ρ of the noise comes from the seed alone. */
  const seedLuck = new Map<number, number>();
  const own = gaussian(mulberry32(11));
  const correlated = (mean: number, rho: number, seeds: number[]): Measurement[] =>
    seeds.map((seed) => {
      if (!seedLuck.has(seed)) seedLuck.set(seed, own());
      return { seed, value: mean + 0.01 * (Math.sqrt(rho) * seedLuck.get(seed)! + Math.sqrt(1 - rho) * own()) };
    });

  it('pairs by seed where earlier candidates show a strong correlation, and reports it', () => {
    const baseline = correlated(1.9, 0.9, [1, 2, 3, 4, 5]);
    const earlier = Array.from({ length: 10 }, () => correlated(1.9, 0.9, [1, 2, 3]).map((m, i) => m.value - baseline[i]!.value));
    const noiseGroups = Array.from({ length: 10 }, (_, k) => correlated(1.9, 0.9, [20 + 3 * k, 21 + 3 * k, 22 + 3 * k]));
    const c = compare(input({ baseline, noiseGroups, pairedGroups: earlier, candidate: correlated(1.89, 0.9, [1, 2]) }));
    assert.equal(c.noise.method, 'paired');
    assert.equal(c.noise.shared, 2);
    assert.ok(c.noise.rho !== null && c.noise.rho > 0.6, `rho ${c.noise.rho}`);
    const d = policy.decide(input({ baseline, noiseGroups, pairedGroups: earlier, candidate: correlated(1.88, 0.9, [1]) }));
    assert.match(d.reason, /paired on its seed \(seed correlation 0\.\d\d\)/);
  });

  it('stays unpaired where seeds do not correlate (the full baseline mean is then the better estimate)', () => {
    const baseline = runs([1.9, 1.92, 1.88, 1.91, 1.89]);
    const earlier = Array.from({ length: 6 }, () => group(0, 0.014, 3, 1).map((m) => m.value));
    const c = compare(
      input({
        baseline,
        noiseGroups: Array.from({ length: 6 }, (_, k) => group(1.9, 0.01, 3, 50 + 3 * k)),
        pairedGroups: earlier,
        candidate: runs([1.89, 1.9]),
      }),
    );
    assert.equal(c.noise.method, 'pooled');
    assert.ok(c.noise.rho !== null && c.noise.rho < 0.5, `rho ${c.noise.rho}`);
  });

  it('a strong correlation lets a 2-SD gain be kept after two runs', () => {
    // Earlier candidates' same-seed differences spread 0.0045 where single runs spread 0.01: ρ ≈ 0.9.
    const baseline = runs([1.9, 1.912, 1.889, 1.905, 1.894]);
    const earlier = Array.from({ length: 10 }, () => group(0, 0.0045, 3, 1).map((m) => m.value));
    const noiseGroups = Array.from({ length: 10 }, (_, k) => group(1.9, 0.01, 3, 40 + 3 * k));
    const candidate = [
      { seed: 1, value: 1.9 - 0.021 },
      { seed: 2, value: 1.912 - 0.018 },
    ];
    const d = final(policy.decide(input({ baseline, noiseGroups, pairedGroups: earlier, candidate })));
    assert.equal(d.verdict, 'keep', d.reason);
    assert.equal(d.stats.n, 2);
    assert.equal(d.stats.noise?.method, 'paired');
  });
});

describe('simplifications', () => {
  const baseline = runs([1.9, 1.91, 1.89, 1.905, 1.895]);
  const noiseGroups = Array.from({ length: 10 }, (_, k) =>
    runs(
      [1.9, 1.91, 1.89].map((v) => v + 0.001 * k),
      100 + 3 * k,
    ),
  );

  it('a removal that does as well is kept as "simpler and not worse"', () => {
    const d = final(policy.decide(input({ baseline, noiseGroups, simplifies: true, candidate: runs([1.893, 1.896, 1.894, 1.895, 1.896, 1.894]) })));
    assert.equal(d.verdict, 'keep', d.reason);
    assert.match(d.reason, /^kept: simpler and not worse/);
  });

  it('the same runs without the removal are reverted: not better is not enough', () => {
    const d = final(policy.decide(input({ baseline, noiseGroups, candidate: runs([1.896, 1.899, 1.897]) })));
    assert.equal(d.verdict, 'revert');
  });

  it('a removal one noise SD worse is reverted, and one clearly worse after its screening run', () => {
    const worse = final(policy.decide(input({ baseline, noiseGroups, simplifies: true, candidate: runs([1.91, 1.912, 1.908, 1.911, 1.909, 1.91]) })));
    assert.equal(worse.verdict, 'revert');
    assert.match(worse.reason, /not shown within the margin/);
    const bad = final(policy.decide(input({ baseline, noiseGroups, simplifies: true, candidate: runs([1.95]) })));
    assert.equal(bad.verdict, 'revert');
    assert.equal(bad.stats.n, 1);
  });

  it('goes on past the screen while within the margin', () => {
    const d = policy.decide(input({ baseline, noiseGroups, simplifies: true, candidate: runs([1.902]) }));
    assert.equal(d.verdict, 'confirm');
    assert.match(d.reason, /within the 0.5 SD margin/);
  });

  it('margin 0 turns simplifications off', () => {
    const off = new NoiseAwarePolicy({ simplifyMarginSd: 0 });
    const d = final(off.decide(input({ baseline, noiseGroups, simplifies: true, candidate: runs([1.902]) })));
    assert.equal(d.verdict, 'revert');
  });
});
