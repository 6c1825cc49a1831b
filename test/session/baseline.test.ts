import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headMeasurements, headRunCount, revertsOn } from '../../agent/session/baseline.ts';
import { baseline, candidate, control } from './session.ts';

const rows = [
  baseline(1, 1.9),
  baseline(2, null, { status: 'crashed' }),
  baseline(3, null, { status: 'running' }),
  candidate(4, 2.1, { decision: 'revert', n_runs: 1 }),
  candidate(5, null, { status: 'crashed', decision: 'revert', n_runs: null }),
  control(6, 'c0', 1.92),
  candidate(7, 1.7, { decision: 'keep', commit_sha: 'c1', n_runs: 3 }),
  control(8, 'c1', 1.75),
  candidate(9, 1.9, { base_commit: 'c1', decision: 'revert', n_runs: 1 }),
];

test("a commit's runs: every one that came to an end counts towards its measurement, only those with a metric are measurements", () => {
  assert.equal(headRunCount(rows, 'c0'), 3, 'two done and one crashed; the running one not yet');
  assert.deepEqual(headMeasurements(rows, 'c0'), [
    { seed: 1, value: 1.9 },
    { seed: 106, value: 1.92 },
  ]);
  assert.equal(headRunCount(rows, 'c1'), 1, "the kept candidate's own runs are not its commit's");
  assert.deepEqual(headMeasurements(rows, 'c2'), []);
});

test('reverts per commit count the candidates compared with it, not one whose run failed', () => {
  assert.equal(revertsOn(rows, 'c0'), 1);
  assert.equal(revertsOn(rows, 'c1'), 1);
});
