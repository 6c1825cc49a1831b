import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fractionalFactorial } from '../../agent/design/fractional-factorial.ts';
import { factorialEffects, type FactorialRun } from '../../agent/stats/factorial-effects.ts';
import { leastSquares } from '../../agent/stats/least-squares.ts';
import { gaussian, mulberry32 } from '../../agent/stats/random.ts';
import { close } from './close.ts';

const factors = ['residual', 'layerNorm', 'posEncoding', 'gelu', 'bias'].map((component) => ({ component, change: 'true -> false' }));
/** Planted: residual +0.08, posEncoding +0.05 alone, and +0.06 more when residual and posEncoding go together. */
const truth = (x: readonly number[]) => 1.9 + 0.08 * x[0]! + 0.05 * x[2]! + 0.06 * x[0]! * x[2]!;
const TRUE_MAIN = [0.08, 0, 0.05, 0, 0];
const trueInteraction = (a: string, b: string) => (a === 'residual' && b === 'posEncoding' ? 0.06 : 0);

/** The planner's schedule: baseline runs at the all-zero point, then `passes` over the other 15 points of the 2^(5-1). */
function simulate(seed: number, sd: number, passes = 2, baselineRuns = 5): FactorialRun[] {
  const noise = gaussian(mulberry32(seed));
  const design = fractionalFactorial(5);
  const zero = [0, 0, 0, 0, 0];
  const runs: FactorialRun[] = Array.from({ length: baselineRuns }, () => ({ x: zero, value: truth(zero) + sd * noise() }));
  for (let pass = 0; pass < passes; pass++) {
    for (const x of design.points.slice(1)) runs.push({ x, value: truth(x) + sd * noise() });
  }
  return runs;
}

describe('least squares', () => {
  it('solves an overdetermined system and gives the textbook SEs', () => {
    // y = 1 + 2x at x = 0, 1, 2, 3 with residuals +e, −e, −e, +e.
    const e = 0.1;
    const fit = leastSquares(
      [0, 1, 2, 3].map((x) => [1, x]),
      [1 + e, 3 - e, 5 - e, 7 + e],
    )!;
    close(fit.coefficients[0]!, 1, 1e-12);
    close(fit.coefficients[1]!, 2, 1e-12);
    assert.equal(fit.df, 2);
    close(fit.sd, Math.sqrt((4 * e * e) / 2), 1e-12);
    // Var(slope) = σ² / Σ(x − x̄)² = σ² / 5.
    close(fit.se[1]!, fit.sd / Math.sqrt(5), 1e-12);
  });

  it('says when the columns are dependent instead of returning a guess', () => {
    assert.equal(
      leastSquares(
        [
          [1, 0, 0],
          [1, 1, 1],
          [1, 1, 1],
        ],
        [1, 2, 3],
      ),
      null,
    );
  });
});

describe('factorial effect and interaction tables', () => {
  it('recovers planted main effects and interactions exactly without noise, in the 0/1 meaning of the leave-one-out tables', () => {
    const runs = simulate(1, 0);
    const result = factorialEffects(factors, runs)!;
    result.effects.forEach((row, i) => {
      close(row.delta, TRUE_MAIN[i]!, 1e-10);
    });
    for (const row of result.interactions) close(row.interaction, trueInteraction(row.a, row.b), 1e-10);
    assert.equal(result.interactions.length, 10);
    assert.equal(result.noise.df, 5 + 30 - 16);
    // n: runs with the component ablated (half of each pass), and with both ablated (a quarter).
    assert.equal(result.effects[0]!.n, 16);
    assert.equal(result.interactions[0]!.n, 8);
  });

  it('finds the planted effects in noise and flags no null', () => {
    const result = factorialEffects(factors, simulate(7, 0.01))!;
    assert.deepEqual(
      result.effects.map((r) => r.significant),
      [true, false, true, false, false],
    );
    const flagged = result.interactions.filter((r) => r.significant).map((r) => `${r.a}×${r.b}`);
    assert.deepEqual(flagged, ['residual×posEncoding']);
    assert.ok(Math.abs(result.effects[0]!.delta - 0.08) < 0.03);
  });

  it('covers the truth at about the nominal rate, per interval and per table', () => {
    const reps = 400;
    const familyAlpha = 0.2;
    let rows = 0;
    let covered = 0;
    let tablesCovered = 0;
    let level = 0;
    for (let seed = 1; seed <= reps; seed++) {
      const result = factorialEffects(factors, simulate(1000 + seed, 0.01), familyAlpha)!;
      level = result.levels.interactions;
      const hits = result.interactions.map((r) => r.ciLow! <= trueInteraction(r.a, r.b) && trueInteraction(r.a, r.b) <= r.ciHigh!);
      rows += hits.length;
      covered += hits.filter(Boolean).length;
      if (hits.every(Boolean)) tablesCovered++;
    }
    close(level, 0.98, 1e-12);
    // Per interval: 0.98 ± 3 binomial SEs over 4,000 intervals.
    assert.ok(Math.abs(covered / rows - 0.98) < 0.007, `per-interval coverage ${covered / rows}`);
    // Per table: Bonferroni guarantees ≥ 0.8 (and its slack is small for ten nearly independent rows).
    assert.ok(tablesCovered / reps >= 0.8 - 0.05, `per-table coverage ${tablesCovered / reps}`);
  });

  it('gives no interval where the residuals have no df, and null where the runs cannot separate the terms', () => {
    const saturated = factorialEffects(factors, simulate(3, 0.01, 1, 1))!;
    assert.equal(saturated.noise.df, 0);
    assert.ok(saturated.effects.every((r) => r.ciLow === null && !r.significant));
    const missing = simulate(3, 0.01, 1, 5).filter((r) => !(r.x[0] === 1 && r.x[1] === 1));
    assert.equal(factorialEffects(factors, missing), null);
  });
});
