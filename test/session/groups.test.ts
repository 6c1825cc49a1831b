import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupKey, measurementGroups, runGroups } from '../../agent/session/groups.ts';
import { baseline, candidate, confirm, control } from './session.ts';

test('a run measures its commit (baseline, control) or its candidate (the candidate and its confirmations)', () => {
  assert.equal(groupKey(baseline(1, 1.9)), 'commit c0');
  assert.equal(groupKey(control(9, 'c1', 1.8)), 'commit c1');
  assert.equal(groupKey(candidate(4, 2.1)), 'candidate 4');
  assert.equal(groupKey(confirm(5, 4, 2.2)), 'candidate 4');
});

test('groups hold the runs that finished with a metric, oldest first; a kept candidate stays its own group', () => {
  const rows = [
    baseline(1, 1.9),
    baseline(2, null, { status: 'crashed' }),
    baseline(3, 1.8),
    candidate(4, 1.7, { decision: 'keep', commit_sha: 'c1' }),
    confirm(5, 4, 1.6),
    confirm(6, 4, null, { status: 'running' }),
    control(7, 'c1', 1.75),
    candidate(8, null, { status: 'invalid', base_commit: 'c1', decision: 'revert' }),
  ];
  assert.deepEqual(
    [...runGroups(rows)].map(([key, runs]) => [key, runs.map((e) => e.id)]),
    [
      ['commit c0', [1, 3]],
      ['candidate 4', [4, 5]],
      ['commit c1', [7]],
    ],
  );
  assert.deepEqual(measurementGroups(rows).get('candidate 4'), [
    { seed: 1, value: 1.7 },
    { seed: 5, value: 1.6 },
  ]);
});
