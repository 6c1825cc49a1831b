import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidateRunIndex, candidateRuns, failedRunOf, measured } from '../../agent/session/candidates.ts';
import { candidateIdOf, finishedCount, isCandidate } from '../../agent/session/kinds.ts';
import { isFailedRun } from '../../agent/store/types.ts';
import { baseline, candidate, confirm, control } from './session.ts';

const rows = [
  baseline(1, 1.9),
  baseline(2, 1.91),
  candidate(3, 1.8),
  candidate(4, 1.95, { kind: 'tweak' }),
  confirm(5, 3, 1.82),
  confirm(6, 3, null, { status: 'timeout' }),
  control(7, 'c0', 1.9),
];

test("a candidate's runs are itself, then its confirmations, in order; the others' confirmations are not", () => {
  const runsOf = candidateRunIndex(rows);
  assert.deepEqual(
    runsOf(rows[2]!).map((e) => e.id),
    [3, 5, 6],
  );
  assert.deepEqual(
    runsOf(rows[3]!).map((e) => e.id),
    [4],
  );
  assert.deepEqual(candidateRuns(rows, rows[2]!), runsOf(rows[2]!));
  assert.deepEqual(measured(runsOf(rows[2]!)), [1.8, 1.82], 'the timed-out confirmation has no value');
  assert.deepEqual(rows.map(candidateIdOf), [1, 2, 3, 4, 3, 3, 7]);
  assert.deepEqual(
    rows.filter(isCandidate).map((e) => e.id),
    [3, 4],
  );
});

test('failures: crashed, timeout, diverged and invalid runs fail a candidate; interrupted and rejected are not failures', () => {
  assert.deepEqual(['crashed', 'timeout', 'diverged', 'invalid', 'done', 'interrupted', 'rejected', 'running'].map(isFailedRun), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
  assert.equal(failedRunOf(rows, rows[2]!)?.id, 6, 'a failed confirmation fails its candidate');
  assert.equal(failedRunOf(rows, rows[3]!), undefined);
  const invalid = candidate(8, null, { status: 'invalid' });
  assert.equal(failedRunOf([...rows, invalid], invalid)?.id, 8);
});

test('finished runs are those that came to an end on their own, failed or not', () => {
  const more = [...rows, candidate(8, null, { status: 'invalid' }), candidate(9, null, { status: 'interrupted' }), candidate(10, null, { status: 'running' })];
  assert.equal(finishedCount(more), 8);
});
