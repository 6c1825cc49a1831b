import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headlessLine } from '../../agent/ui/headless.ts';
import { row } from './rows.ts';

test('a started line names the seed once: in the description where it says it, else after it', () => {
  const started = (over: Parameters<typeof row>[0]) => headlessLine({ type: 'run-started', experiment: row({ status: 'running', ...over }) });
  assert.equal(
    started({ id: 9, kind: 'control', seed: 6, description: 'control: top up the baseline after 1 revert, seed 6' }),
    '#9 control started: control: top up the baseline after 1 revert, seed 6',
  );
  assert.equal(started({ id: 3, kind: 'tweak', seed: 1, description: 'tweak lr: 0.03 -> 0.06' }), '#3 tweak started: tweak lr: 0.03 -> 0.06 (seed 1)');
  // seed 16 is not seed 6, nor is reseed 6
  assert.equal(started({ id: 4, kind: 'tweak', seed: 6, description: 'try seed 16' }), '#4 tweak started: try seed 16 (seed 6)');
  assert.equal(started({ id: 5, kind: 'tweak', seed: 6, description: 'reseed 6' }), '#5 tweak started: reseed 6 (seed 6)');
});

test('a run placed by its executor is said with its node, GPUs and their model; one with no place is not', () => {
  const placed = row({ id: 7, kind: 'tweak', node: 'n1', gpus: '["0","1"]', gpu_model: 'NVIDIA H200' });
  assert.equal(headlessLine({ type: 'run-placed', experiment: placed }), '#7 tweak on n1 GPUs 0,1 (NVIDIA H200)');
  assert.equal(headlessLine({ type: 'run-placed', experiment: row({ id: 8, kind: 'control', node: 'n2' }) }), '#8 control on n2');
  assert.equal(headlessLine({ type: 'run-placed', experiment: row({ id: 9 }) }), null);
});
