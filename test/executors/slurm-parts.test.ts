/**
 * The Slurm executor's parts that need no cluster: --slurm-args split into words, sbatch's
 * arguments, squeue and scontrol output parsed, and a run's state from its job and its folder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sbatchArgs, splitSlurmArgs, timeMinutes } from '../../agent/executors/slurm-args.ts';
import { expandIndices, oneLine, parseDetails, parseQueue, type QueueRow, sbatchEnvironment } from '../../agent/executors/slurm-cli.ts';
import { runStatus } from '../../agent/executors/slurm-state.ts';
import type { RunResult } from '../../agent/executors/types.ts';

test('--slurm-args split as sh would: quotes keep a value whole, $NAME stays, shell operators are refused', () => {
  assert.deepEqual(splitSlurmArgs(''), []);
  assert.deepEqual(splitSlurmArgs(`-p gpu  --account=lab --comment="two words" --constraint='a100|h100' --x=\\$HOME $USER`), [
    '-p',
    'gpu',
    '--account=lab',
    '--comment=two words',
    '--constraint=a100|h100',
    '--x=$HOME',
    '$USER',
  ]);
  assert.deepEqual(splitSlurmArgs('--gres=gpu:*'), ['--gres=gpu:*']);
  assert.throws(
    () => splitSlurmArgs('-p gpu; rm -rf x'),
    /^Error: --slurm-args "-p gpu; rm -rf x" holds ";", which is shell syntax, not an sbatch option: quote it$/,
  );
  assert.throws(() => splitSlurmArgs('--constraint=a|b'), /holds "\|"/);
  for (const words of ['-J mine', '--job-name=mine', '--array=1-4', '--requeue', '--wrap=true']) {
    assert.throws(
      () => splitSlurmArgs(`-p gpu ${words}`),
      /^Error: --slurm-args cannot hold (-J|--[a-z-]+): nightshift names each job after its run and submits it once, with its own wrapper\.$/,
    );
  }
});

test("sbatch's arguments: name, folders, time in minutes, no requeue, GPUs unless the user chose them, the user's words last", () => {
  const spec = { name: 'ns-3-7-1', runDir: '/runs/ns-3-7-1', cwd: '/checkouts/7', gpus: 2, timeLimitS: 61 };
  assert.deepEqual(sbatchArgs(spec, '/runs/ns-3-7-1/run.sh', ['-p', 'gpu']), [
    '--job-name=ns-3-7-1',
    '--chdir=/checkouts/7',
    '--output=/runs/ns-3-7-1/slurm.log',
    '--time=2',
    '--no-requeue',
    '--gres=gpu:2',
    '-p',
    'gpu',
    '/runs/ns-3-7-1/run.sh',
  ]);
  assert.ok(!sbatchArgs(spec, 'w', ['--gres=gpu:a100:2']).includes('--gres=gpu:2'));
  assert.ok(!sbatchArgs(spec, 'w', ['--gpus-per-node=2']).includes('--gres=gpu:2'));
  assert.ok(!sbatchArgs({ ...spec, gpus: 0 }, 'w', []).some((word) => word.startsWith('--gres')));
  assert.equal(timeMinutes(1), 1);
  assert.equal(timeMinutes(600), 10);
});

test("sbatch's environment keeps PATH and Slurm's own variables, never a secret", () => {
  const env = sbatchEnvironment({
    PATH: '/bin',
    SLURM_CONF: '/c',
    SBATCH_PARTITION: 'gpu',
    ANTHROPIC_API_KEY: 'sk',
    HOME: '/root',
    AWS_SECRET_ACCESS_KEY: 'x',
  });
  assert.deepEqual(env, { PATH: '/bin', SLURM_CONF: '/c', SBATCH_PARTITION: 'gpu', HOME: '/root' });
});

test("a tool's stderr becomes one line without its prefixes", () => {
  const stderr = 'sbatch: error: invalid partition specified: nowhere\nsbatch: error: Batch job submission failed: Invalid partition name specified\n';
  assert.equal(oneLine('sbatch', stderr), 'invalid partition specified: nowhere; Batch job submission failed: Invalid partition name specified');
  assert.equal(oneLine('squeue', ''), 'no message');
});

test('squeue lines parse, and a line that is not squeue output is one clear error', () => {
  const rows = parseQueue(
    '12\tns-1-2-1\tRUNNING\tNone\tn1\t2026-12-01T23:27:23\t2026-12-01T23:37:23\n13\tns-1-3-1\tPENDING\tResources\t\t2026-12-01T23:27:24\tN/A\n',
  );
  assert.equal(rows.length, 2);
  assert.deepEqual(
    { ...rows[0], submittedAt: 0, endsAt: 0 },
    { id: '12', name: 'ns-1-2-1', state: 'RUNNING', reason: 'None', nodes: 'n1', submittedAt: 0, endsAt: 0 },
  );
  assert.equal(rows[1]!.endsAt, null);
  assert.equal(rows[1]!.nodes, '');
  assert.throws(() => parseQueue('JOBID NAME\n'), /^SlurmCommandError: squeue failed: it printed a line nightshift cannot read/);
});

test('scontrol show job -d: fields and the GPU indices the job holds', () => {
  const text =
    'JobId=2 JobName=ns-1-2-1 JobState=RUNNING Reason=None NodeList=n2 BatchHost=n2 JOB_GRES=gpu:2   Nodes=n2 CPU_IDs=0 Mem=0 GRES=gpu:2(IDX:0-1) MinCPUsNode=1 Comment=two words';
  const details = parseDetails(text);
  assert.equal(details.fields.BatchHost, 'n2');
  assert.equal(details.fields.JobState, 'RUNNING');
  assert.deepEqual(details.gpus, ['0', '1']);
  assert.deepEqual(parseDetails('JobId=3 JobState=PENDING GRES=').gpus, []);
  assert.deepEqual(expandIndices('0-1,3'), ['0', '1', '3']);
  assert.throws(() => parseDetails('nothing here'), /^SlurmCommandError: scontrol failed: it printed a job nightshift cannot read/);
});

const NOW = Date.parse('2026-12-01T12:00:00Z');
const limits = { now: NOW, pendingLimitS: 600, resultGraceS: 60 };
const row = (state: string, extra: Partial<QueueRow> = {}): QueueRow => ({
  id: '7',
  name: 'ns-1-1-1',
  state,
  reason: 'None',
  nodes: 'n1',
  submittedAt: NOW - 5000,
  endsAt: null,
  ...extra,
});
const result: RunResult = { exitCode: 0, signal: null, startedAt: 'a', endedAt: 'b', node: 'n1', gpus: ['0'], gpuModel: null };
const seen = (r: QueueRow | undefined, res: RunResult | null = null, recordedId?: string) => ({ name: 'ns-1-1-1', row: r, recordedId, result: res });

test("a run's state: the run folder's result wins; pending, running, ended without a result, forgotten", () => {
  assert.equal(runStatus(seen(row('RUNNING'), result), limits)?.state, 'ended', 'a result.json means ended, whatever squeue says');
  assert.deepEqual(runStatus(seen(undefined, result), limits)?.gpus, ['0']);
  assert.deepEqual(runStatus(seen(row('PENDING', { reason: 'Resources', nodes: '' })), limits), {
    name: 'ns-1-1-1',
    id: '7',
    state: 'pending',
    reason: 'Slurm job 7 is pending (Resources).',
  });
  assert.equal(
    runStatus(seen(row('PENDING', { submittedAt: NOW - 601_000, reason: 'Priority' })), limits)?.reason,
    'Slurm job 7 of run ns-1-1-1 was pending for 601 s (Priority), past the 600 s limit, and was cancelled.',
  );
  assert.deepEqual(runStatus(seen(row('COMPLETING')), limits), { name: 'ns-1-1-1', id: '7', state: 'running', node: 'n1' });
  assert.equal(
    runStatus(seen(row('NODE_FAIL', { endsAt: NOW - 61_000 })), limits)?.reason,
    'Slurm job 7 of run ns-1-1-1 ended NODE_FAIL on n1 without writing result.json.',
  );
  assert.equal(runStatus(seen(row('COMPLETED', { endsAt: NOW - 10_000 })), limits)?.state, 'running', 'within the grace, result.json may yet show');
  assert.equal(
    runStatus(seen(row('CANCELLED', { nodes: '', endsAt: NOW - 1000 })), limits)?.reason,
    'Slurm job 7 of run ns-1-1-1 ended CANCELLED before it started.',
  );
  assert.equal(runStatus(seen(undefined, null, '7'), limits)?.reason, 'Slurm job 7 of run ns-1-1-1 is no longer known to Slurm and left no result.json.');
  assert.equal(runStatus(seen(undefined), limits), null);
});
