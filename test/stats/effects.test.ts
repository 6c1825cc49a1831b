import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateEffects, type EffectsInput } from '../../agent/stats/effects.ts';
import { gaussian, mulberry32 } from '../../agent/stats/random.ts';
import { close } from './close.ts';

/** Runs = truth + the same small offsets, so every group has spread but means are exact. */
const around = (truth: number) => [truth - 0.01, truth, truth + 0.01];

describe('effect and interaction tables', () => {
  const input: EffectsInput = {
    baseline: around(1.9),
    ablations: [
      { component: 'residual', change: 'true -> false', runs: around(2.21) },
      { component: 'layerNorm', change: 'true -> false', runs: around(1.95) },
      { component: 'bias', change: 'true -> false', runs: around(1.9) },
    ],
    pairs: [
      { a: 0, b: 1, runs: around(2.38) },
      { a: 1, b: 2, runs: around(1.95) },
    ],
  };

  it('estimates each effect as ablated mean minus baseline mean', () => {
    const { effects, noise } = estimateEffects(input);
    assert.deepEqual(
      effects.map((e) => e.component),
      ['residual', 'layerNorm', 'bias'],
    );
    close(effects[0]!.delta, 0.31, 1e-12);
    close(effects[1]!.delta, 0.05, 1e-12);
    close(effects[2]!.delta, 0, 1e-12);
    assert.equal(effects[0]!.n, 3);
    assert.equal(noise.df, 2 * 6);
    assert.deepEqual(
      effects.map((e) => e.significant),
      [true, true, false],
    );
    assert.ok(effects[2]!.ciLow! < 0 && effects[2]!.ciHigh! > 0);
  });

  it('estimates Δ(a,b) − Δ(a) − Δ(b) and flags only the pair that interacts', () => {
    const { interactions } = estimateEffects(input);
    close(interactions[0]!.interaction, 0.48 - 0.31 - 0.05, 1e-12);
    close(interactions[1]!.interaction, 0, 1e-12);
    assert.equal(interactions[0]!.a, 'residual');
    assert.equal(interactions[0]!.b, 'layerNorm');
    assert.deepEqual(
      interactions.map((i) => i.significant),
      [true, false],
    );
  });

  it('uses Bonferroni-simultaneous intervals: wider as the table grows', () => {
    const small = estimateEffects({ ...input, ablations: input.ablations.slice(0, 1), pairs: [] });
    const large = estimateEffects(input);
    assert.equal(small.levels.effects, 0.95);
    close(large.levels.effects, 1 - 0.05 / 3, 1e-15);
    const width = (e: { ciLow: number | null; ciHigh: number | null }) => e.ciHigh! - e.ciLow!;
    assert.ok(width(large.effects[0]!) > width(small.effects[0]!));
  });

  it('gives no interval without any repeated runs, and rejects bad pairs', () => {
    const single = estimateEffects({ baseline: [1], ablations: [{ component: 'x', change: 'a -> b', runs: [2] }] });
    assert.equal(single.effects[0]!.ciLow, null);
    assert.equal(single.effects[0]!.significant, false);
    assert.throws(() => estimateEffects({ ...input, pairs: [{ a: 0, b: 0, runs: [1] }] }), RangeError);
    assert.throws(() => estimateEffects({ ...input, pairs: [{ a: 0, b: 7, runs: [1] }] }), RangeError);
  });

  it('finds planted effects and flags null components at most at the family rate (seeded simulation)', () => {
    const normal = gaussian(mulberry32(7));
    const reps = 300;
    let tablesWithNullFlag = 0;
    let interactionTablesWithNullFlag = 0;
    let plantedFound = 0;
    let plantedTotal = 0;
    for (let r = 0; r < reps; r++) {
      // Plantings vary: noise level, which components matter, how much.
      const sd = [0.004, 0.01, 0.03][r % 3]!;
      const effects = [6, 0, 4, 0, 8, 0].map((e, i) => ((r + i) % 2 === 0 ? e : [0, 5, 0, 7, 0, 4][i]!) * sd);
      const interaction = 6 * sd;
      const group = (mean: number, n: number) => Array.from({ length: n }, () => 1.9 + mean + sd * normal());
      const ablations = effects.map((e, i) => ({ component: `c${i}`, change: 'on -> off', runs: group(e, 3) }));
      // Pairs among the first three components; only (0, 1) interacts.
      const pairs = [
        { a: 0, b: 1, runs: group(effects[0]! + effects[1]! + interaction, 3) },
        { a: 0, b: 2, runs: group(effects[0]! + effects[2]!, 3) },
        { a: 1, b: 2, runs: group(effects[1]! + effects[2]!, 3) },
      ];
      const table = estimateEffects({ baseline: group(0, 5), ablations, pairs });
      if (table.effects.some((row, i) => effects[i] === 0 && row.significant)) tablesWithNullFlag++;
      if (table.interactions.slice(1).some((row) => row.significant)) interactionTablesWithNullFlag++;
      table.effects.forEach((row, i) => {
        if (effects[i] !== 0) {
          plantedTotal++;
          if (row.significant) plantedFound++;
        }
      });
      if (table.interactions[0]!.significant) plantedFound++;
      plantedTotal++;
    }
    assert.ok(tablesWithNullFlag / reps <= 0.05, `effect tables with a null flagged: ${tablesWithNullFlag}/${reps}`);
    assert.ok(interactionTablesWithNullFlag / reps <= 0.05, `interaction tables with a null flagged: ${interactionTablesWithNullFlag}/${reps}`);
    assert.ok(plantedFound / plantedTotal >= 0.97, `planted effects found: ${plantedFound}/${plantedTotal}`);
  });
});
