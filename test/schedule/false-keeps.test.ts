import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import { isSuperseded } from '../../agent/session/kinds.ts';
import { mulberry32 } from '../../agent/stats/random.ts';
import { runParallel, runSequential, type Setup } from './drivers.ts';
import type { Change } from './world.ts';

// A simulated night: noise SD 0.01 with seed correlation 0.5, a quarter of the changes a true
// 2-SD gain, the rest no-ops. What matters is not the rates themselves (bench/ measures those
// on thousands of decisions) but that they cannot move with the number of slots: the same run
// results per seed give the same decisions on 1, 2 and 4 slots.
const draw = mulberry32(2024);
const changes: Change[] = Array.from({ length: 40 }, (_, i) => ({ key: `change-${i}`, effect: draw() < 0.25 ? -0.02 : 0 }));
const setup: Setup = { changes, policy: new NoiseAwarePolicy(), world: { sd: 0.01, rho: 0.5 } };

function rates(verdicts: ReturnType<typeof runSequential>['verdicts']) {
  const gain = new Set(changes.filter((c) => c.effect < 0).map((c) => c.key));
  const kept = (keys: (k: string) => boolean) => verdicts.filter((v) => keys(v.key) && v.verdict === 'keep').length;
  return { falseKeeps: kept((k) => !gain.has(k)), gainsKept: kept((k) => gain.has(k)), gains: gain.size, decisions: verdicts.length };
}

test('1, 2 and 4 slots keep the same no-ops and the same gains: the decisions are identical given the same run results', (t) => {
  const sequential = runSequential(setup);
  const expected = rates(sequential.verdicts);
  t.diagnostic(`sequential: ${JSON.stringify(expected)}, ${sequential.world.rows.length} runs`);
  assert.equal(expected.decisions, changes.length);
  for (const slots of [1, 2, 4]) {
    const { verdicts, world } = runParallel(setup, { slots, arrival: slots * 101 });
    assert.deepEqual(verdicts, sequential.verdicts, `${slots} slots`);
    assert.deepEqual(rates(verdicts), expected);
    const superseded = world.rows.filter(isSuperseded).length;
    t.diagnostic(
      `${slots} slots: ${world.rows.length} runs (${world.rows.length - sequential.world.rows.length} more than one at a time), ${superseded} superseded`,
    );
  }
});
