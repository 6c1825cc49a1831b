import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import { runParallel, runSequential, type Setup } from './drivers.ts';
import type { Change } from './world.ts';

// A session with every kind of outcome: no-ops, true 2-SD and 4-SD gains (keeps), a harmful
// change, one whose runs crash on a seed, and an ablation that asks for 3 runs.
const changes: Change[] = [
  { key: 'noop-a', effect: 0 },
  { key: 'gain-a', effect: -0.04 },
  { key: 'noop-b', effect: 0 },
  { key: 'worse', effect: 0.02 },
  { key: 'crashy', effect: -0.01, crashes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
  { key: 'gain-b', effect: -0.02 },
  { key: 'noop-c', effect: 0, minRuns: 3 },
  { key: 'noop-d', effect: 0.001 },
  { key: 'gain-c', effect: -0.03 },
  { key: 'noop-e', effect: 0 },
  { key: 'noop-f', effect: 0 },
  { key: 'noop-g', effect: -0.002 },
];
const setup: Setup = { changes, policy: new NoiseAwarePolicy(), controlEvery: 4 };

test('one slot reproduces the sequential loop exactly: the same rows, runs, seeds and verdicts', () => {
  const sequential = runSequential(setup);
  const parallel = runParallel(setup, { slots: 1, arrival: 1 });
  assert.ok(
    sequential.verdicts.some((v) => v.verdict === 'keep'),
    'the session keeps something',
  );
  assert.deepEqual(parallel.verdicts, sequential.verdicts);
  assert.deepEqual(parallel.world.rows, sequential.world.rows);
});

test('the verdicts and their stats are the same in every order the runs come back in, on 2 and 4 slots', () => {
  const { verdicts: expected, world: sequential } = runSequential(setup);
  const sequentialRuns = sequential.rows.length;
  assert.equal(expected.length, changes.length, 'every change gets one verdict');
  for (const slots of [2, 4]) {
    for (let arrival = 1; arrival <= 12; arrival++) {
      const { verdicts, world } = runParallel(setup, { slots, arrival });
      assert.deepEqual(verdicts, expected, `${slots} slots, arrival order ${arrival}`);
      // Runs the rule did not use stay in the log: nothing is deleted, so a parallel log has at least the sequential one's runs.
      assert.ok(world.rows.length >= sequentialRuns);
    }
  }
});

test('a plan resumed from its checkpoint is the plan replayed from the start', () => {
  const seen: string[] = [];
  const withCheckpoints = runParallel(setup, { slots: 3, arrival: 7, onPlan: (p) => seen.push(JSON.stringify({ ...p, checkpoint: null })) });
  const fromScratch: string[] = [];
  const scratch = runParallel(setup, { slots: 3, arrival: 7, checkpoints: false, onPlan: (p) => fromScratch.push(JSON.stringify({ ...p, checkpoint: null })) });
  assert.deepEqual(scratch.verdicts, withCheckpoints.verdicts);
  assert.deepEqual(fromScratch, seen);
});
