import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDesign, factorialRuns, fractionalFactorial } from '../../agent/design/fractional-factorial.ts';
import { modelColumns } from '../../agent/stats/factorial-model.ts';

/** ±1 columns of the main effects and two-way interactions, as the textbook checks them. */
function columns(points: number[][], k: number): number[][] {
  const pm = points.map((p) => p.map((x) => 2 * x - 1));
  const cols: number[][] = [];
  for (let i = 0; i < k; i++) cols.push(pm.map((p) => p[i]!));
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) cols.push(pm.map((p) => p[i]! * p[j]!));
  return cols;
}

/** Shortest word w (a set of factors) whose ±1 product is the same sign on every point: the defining relation. */
function resolution(points: number[][], k: number): number {
  let shortest = Infinity;
  for (let w = 1; w < 2 ** k; w++) {
    const signs = new Set(points.map((p) => p.reduce((s, x, i) => ((w >> i) & 1 ? s * (2 * x - 1) : s), 1)));
    if (signs.size === 1) shortest = Math.min(shortest, [...w.toString(2)].filter((b) => b === '1').length);
  }
  return shortest;
}

describe('two-level fractional factorial designs', () => {
  it('is the full factorial up to 4 factors, then the standard resolution V fractions', () => {
    const expected: [number, number, string[]][] = [
      [1, 2, []],
      [3, 8, []],
      [4, 16, []],
      [5, 16, ['E=ABCD']],
      [6, 32, ['F=ABCDE']],
      [7, 64, ['G=ABCDEF']],
      [8, 64, ['G=ABCDE', 'H=ABCF']],
    ];
    for (const [k, runs, generators] of expected) {
      const d = fractionalFactorial(k);
      assert.equal(d.runs, runs, `k=${k}`);
      assert.deepEqual(d.generators, generators, `k=${k}`);
      assert.equal(d.points.length, runs);
      assert.equal(factorialRuns(k), runs);
    }
    assert.equal(describeDesign(fractionalFactorial(5)), 'fractional factorial 2^(5-1), resolution V, 16 runs');
    assert.equal(describeDesign(fractionalFactorial(3)), 'full factorial 2^3, 8 runs');
  });

  it('has the resolution it claims, every point distinct, and the all-zero point (the baseline) first', () => {
    for (let k = 2; k <= 10; k++) {
      const d = fractionalFactorial(k);
      assert.equal(resolution(d.points, k), d.resolution, `k=${k}`);
      assert.ok(d.resolution >= 5, `k=${k}: resolution ${d.resolution}`);
      assert.equal(new Set(d.points.map((p) => p.join(''))).size, d.runs);
      assert.deepEqual(d.points[0], new Array(k).fill(0));
    }
  });

  it('is balanced, and its main-effect and two-way columns are orthogonal at resolution V', () => {
    for (const k of [4, 5, 6, 8]) {
      const d = fractionalFactorial(k);
      const cols = columns(d.points, k);
      for (const c of cols)
        assert.equal(
          c.reduce((s, x) => s + x, 0),
          0,
          `k=${k}: balanced`,
        );
      for (let a = 0; a < cols.length; a++) {
        for (let b = a + 1; b < cols.length; b++) {
          assert.equal(
            cols[a]!.reduce((s, x, r) => s + x * cols[b]![r]!, 0),
            0,
            `k=${k}: columns ${a} and ${b}`,
          );
        }
      }
      assert.ok(d.runs >= modelColumns(k).length, 'as many points as coefficients');
    }
  });

  it('under a run cap, takes the highest resolution that fits and says which', () => {
    const d = fractionalFactorial(7, 16);
    assert.equal(d.runs, 16);
    assert.equal(d.resolution, 4);
    assert.equal(resolution(d.points, 7), 4);
    assert.equal(describeDesign(d), 'fractional factorial 2^(7-3), resolution IV, 16 runs');
    const iii = fractionalFactorial(7, 8);
    assert.equal(iii.resolution, 3);
    assert.equal(resolution(iii.points, 7), 3);
    assert.throws(() => fractionalFactorial(8, 8), /more than 8 runs/);
  });
});
