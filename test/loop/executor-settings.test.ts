import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeExecutor, executorSettings } from '../../agent/loop/executor-settings.ts';

test('no executor flag, or --parallel 1 alone, keeps the sequential loop (no settings stored)', () => {
  assert.equal(executorSettings({}), undefined);
  assert.equal(executorSettings({ parallel: 1 }), undefined);
  assert.equal(executorSettings({ executor: 'local' }), undefined);
});

test('a pool, N slots or Slurm are stored whole, and described in a few words for the session line', () => {
  const gpus = executorSettings({ gpus: '0,0' })!;
  assert.deepEqual(gpus, { kind: 'local', parallel: null, gpus: '0,0', gpusPerRun: null, allowMixedGpus: false, slurmArgs: null });
  assert.equal(describeExecutor(gpus), 'local GPUs 0,0 ×pool');
  assert.equal(describeExecutor(executorSettings({ parallel: 4 })), 'local ×4');
  assert.equal(describeExecutor(executorSettings({ executor: 'slurm', parallel: 8, gpusPerRun: 1, slurmArgs: '-p gpu' })), 'slurm ×8, 1 GPU a run');
  assert.equal(describeExecutor(undefined), 'one run at a time');
});

test('flags that do not fit together are one sentence each', () => {
  const cases: [Parameters<typeof executorSettings>[0], RegExp][] = [
    [{ gpusPerRun: 2 }, /--gpus-per-run needs --gpus/],
    [{ allowMixedGpus: true }, /--allow-mixed-gpus needs --gpus/],
    [{ slurmArgs: '-p gpu' }, /--slurm-args is for --executor slurm/],
    [{ executor: 'slurm', gpus: '0,1' }, /--gpus lists GPUs of this machine/],
    [{ gpus: '0,1', parallel: 3 }, /--parallel 3 disagrees/],
    [{ gpus: '0,1,2', gpusPerRun: 2 }, /cannot be split into runs of 2/],
    [{ executor: 'slurm', slurmArgs: 'a | b' }, /shell syntax/],
  ];
  for (const [flags, message] of cases) assert.throws(() => executorSettings(flags), message);
});
