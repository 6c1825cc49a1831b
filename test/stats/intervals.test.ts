import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledSd } from '../../agent/stats/descriptive.ts';
import { interactionInterval, meanDiffInterval } from '../../agent/stats/intervals.ts';
import { gaussian, mulberry32 } from '../../agent/stats/random.ts';
import { close } from './close.ts';

// Reference values computed with numpy/scipy from the same formulas.
const groups = { both: [3.0, 3.2, 2.9], onlyA: [2.0, 2.1], onlyB: [1.5, 1.4, 1.6], none: [1.0, 1.1, 0.9] };

describe('confidence intervals', () => {
  it('interaction contrast m_ab − m_a − m_b + m_0 with Welch–Satterthwaite df', () => {
    const ci = interactionInterval(groups);
    close(ci.estimate, 0.4833333333333334, 1e-12);
    close(ci.se, 0.13017082793177767, 1e-12);
    close(ci.df, 6.030794165316044, 1e-10);
    close(ci.low, 0.165210618986191, 1e-9);
    close(ci.high, 0.8014560476804757, 1e-9);
  });

  it('interaction contrast with a pooled SD', () => {
    const noise = pooledSd([groups.both, groups.onlyA, groups.onlyB, groups.none]);
    const ci = interactionInterval(groups, 0.95, noise);
    assert.equal(ci.df, 7);
    close(ci.se, 0.14015297764534712, 1e-12);
    close(ci.low, 0.15192420346020424, 1e-10);
    close(ci.high, 0.8147424632064626, 1e-10);
  });

  it('an interaction is zero when the effects add up', () => {
    const ci = interactionInterval({ both: [7, 7.2], onlyA: [4, 4.2], onlyB: [5, 5.2], none: [2, 2.2] });
    close(ci.estimate, 0, 1e-12);
  });

  it('Welch needs two runs per group; a pooled SD does not', () => {
    assert.throws(() => meanDiffInterval([1], [1, 2]), RangeError);
    const ci = meanDiffInterval([1.5], [1, 2], 0.95, { sd: 0.5, df: 10 });
    close(ci.estimate, 0, 1e-15);
    close(ci.high, 2.228138851986274 * 0.5 * Math.sqrt(1.5), 1e-9);
  });

  it('95% intervals cover the truth about 95% of the time (seeded simulation)', () => {
    const normal = gaussian(mulberry32(42));
    const draw = (mean: number, n: number) => Array.from({ length: n }, () => mean + normal());
    const reps = 4000;
    let diffWelch = 0;
    let interPooled = 0;
    let interWelch = 0;
    for (let r = 0; r < reps; r++) {
      const d = meanDiffInterval(draw(1, 3), draw(0, 4));
      if (d.low <= 1 && 1 <= d.high) diffWelch++;
      // True interaction: (3) − (1) − (1.5) + (0) = 0.5.
      const g = { both: draw(3, 3), onlyA: draw(1, 3), onlyB: draw(1.5, 3), none: draw(0, 5) };
      const p = interactionInterval(g, 0.95, pooledSd([g.both, g.onlyA, g.onlyB, g.none]));
      if (p.low <= 0.5 && 0.5 <= p.high) interPooled++;
      const w = interactionInterval(g);
      if (w.low <= 0.5 && 0.5 <= w.high) interWelch++;
    }
    // Binomial SD at 95% over 4000 reps is 0.34%; Welch's df approximation runs slightly conservative.
    for (const [what, hits] of [
      ['difference (Welch)', diffWelch],
      ['interaction (pooled)', interPooled],
      ['interaction (Welch)', interWelch],
    ] as const) {
      const coverage = hits / reps;
      assert.ok(coverage > 0.935 && coverage < 0.975, `${what}: coverage ${coverage}`);
    }
  });
});
