import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decisionInput } from '../../agent/session/decision-input.ts';
import { baseline, candidate, confirm, control } from './session.ts';

// c0 measured twice; #3 reverted after a lucky run; #4 kept (c1) after two runs; c1 measured
// afresh; #8 the pending candidate on c1, with one confirmation so far.
const rows = [
  baseline(1, 2.0),
  baseline(2, 2.2),
  candidate(3, 1.5, { decision: 'revert', n_runs: 1 }),
  candidate(4, 1.8, { decision: 'keep', commit_sha: 'c1', min_runs: 2 }),
  confirm(5, 4, 1.7),
  control(6, 'c1', 1.9),
  control(7, 'c1', 1.95),
  candidate(8, 1.85, { kind: 'llm', base_commit: 'c1', min_runs: 3 }),
  confirm(9, 8, 1.8),
];
const pending = rows[7]!;

test("a decision compares the candidate's runs with its commit's, and pools noise over the other repeated groups", () => {
  const input = decisionInput(rows, 'c1', 'minimize', pending);
  assert.deepEqual(input.baseline, [
    { seed: 106, value: 1.9 },
    { seed: 107, value: 1.95 },
  ]);
  assert.deepEqual(input.candidate, [
    { seed: 1, value: 1.85 },
    { seed: 9, value: 1.8 },
  ]);
  // c0 and the kept #4 have two runs each; #3's single run carries no noise information.
  assert.deepEqual(
    input.noiseGroups.map((g) => g.map((m) => m.value)),
    [
      [2.0, 2.2],
      [1.8, 1.7],
    ],
  );
  assert.equal(input.minRuns, 3);
  assert.equal(input.goal, 'minimize');
});

test("the best single run is over committed code only: a reverted candidate's lucky run is no record", () => {
  assert.equal(decisionInput(rows, 'c1', 'minimize', pending).bestSingle, 1.7);
  assert.equal(decisionInput(rows, 'c1', 'maximize', pending).bestSingle, 2.2);
  assert.equal(decisionInput([candidate(1, 1.0)], 'c0', 'minimize', candidate(1, 1.0)).bestSingle, undefined);
});

test('a candidate is compared only with runs on its own GPU model; without a model it sees every run', () => {
  const h200 = { gpu_model: 'NVIDIA H200' };
  const a100 = { gpu_model: 'NVIDIA A100' };
  const mixed = [
    baseline(1, 2.0, h200),
    baseline(2, 2.2, a100),
    baseline(3, 2.1, h200),
    candidate(4, 1.5, { decision: 'revert', n_runs: 2, ...a100 }),
    confirm(5, 4, 1.6, h200),
    candidate(6, 1.9, h200),
    confirm(7, 6, 1.8, a100),
  ];
  const input = decisionInput(mixed, 'c0', 'minimize', mixed[5]!);
  assert.deepEqual(
    input.baseline.map((m) => m.value),
    [2.0, 2.1],
  );
  assert.deepEqual(
    input.candidate.map((m) => m.value),
    [1.9],
    'its confirmation on the other model is left out',
  );
  assert.deepEqual(input.noiseGroups, [], "#4's runs are one on each model: no group of two on the H200");
  assert.equal(input.bestSingle, 2.0);
  const anywhere = decisionInput(mixed, 'c0', 'minimize', { ...mixed[5]!, gpu_model: null });
  assert.equal(anywhere.baseline.length, 3);
});
