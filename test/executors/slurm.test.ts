/**
 * The Slurm executor against a real two-node cluster on localhost (slurm-cluster.ts): submit,
 * re-attach by name, status of many, cancel, refusals, pending past a limit, vanished jobs, the
 * probe and --slurm-args. Skips with a reason where Slurm or root is missing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RESULT_FILE } from '../../agent/executors/run-folder.ts';
import { JOB_ID_FILE, SlurmExecutor, type SlurmOptions } from '../../agent/executors/slurm.ts';
import type { RunSpec, RunStatus } from '../../agent/executors/types.ts';
import { type Cluster, clusterMissing, NODES, startCluster } from './slurm-cluster.ts';

const missing = clusterMissing();
let cluster: Cluster;
let count = 0;

function executor(options: Partial<SlurmOptions> = {}): SlurmExecutor {
  return new SlurmExecutor({ slots: 4, env: cluster.env, resultGraceS: 0, ...options });
}

/** A run whose command is `sh -c script`, in a fresh run folder under the cluster's folder. */
function spec(script: string, extra: Partial<RunSpec> = {}): RunSpec {
  const name = `ns-1-${++count}-1`;
  const runDir = path.join(cluster.dir, 'runs', name);
  fs.mkdirSync(runDir, { recursive: true });
  return { name, runDir, cwd: runDir, argv: ['sh', '-c', script], env: { PATH: '/usr/bin:/bin' }, gpus: 0, timeLimitS: 120, ...extra };
}

async function until(ex: SlurmExecutor, run: RunSpec, wanted: (s: RunStatus) => boolean, timeoutMs = 20_000): Promise<RunStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const status = await ex.find(run);
    if (status && wanted(status)) return status;
    if (Date.now() > end) throw new Error(`run ${run.name} never reached the wanted state; last ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The wrapper has started the command (a job Slurm calls running may still be launching). */
const started = (run: RunSpec) => fs.existsSync(path.join(run.runDir, 'output.log'));

/** The command notes its parent, the wrapper, so a test can kill it as the OOM killer or a dying node would. */
const WRAPPER_THEN_SLEEP = 'echo $PPID >wrapper.pid; echo $$ >command.pid; exec sleep 60';
const wrapperPid = (run: RunSpec) => path.join(run.runDir, 'wrapper.pid');

async function waitForFile(file: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!fs.existsSync(file) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

async function killWrapper(run: RunSpec): Promise<void> {
  await waitForFile(wrapperPid(run));
  process.kill(Number(fs.readFileSync(wrapperPid(run), 'utf8')), 'SIGKILL');
}

const jobsNamed = (name: string) => cluster.tool('squeue', '--noheader', '--states=all', `--name=${name}`, '--format=%i').trim().split('\n').filter(Boolean);

describe('the Slurm executor on a two-node test cluster', { skip: missing ?? false }, () => {
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('the probe sees its file written on a node', async () => {
    const result = await executor().probe(path.join(cluster.dir, 'probes'), 10_000);
    assert.ok((NODES as readonly string[]).includes(result.node), result.node);
    assert.ok(result.seconds < 5, `the probe took ${result.seconds} s`);
  });

  test('a probe whose file never shows, or whose job cannot start in time, fails in one sentence', async () => {
    // An --output the node cannot open fails the job before it runs, as a folder the nodes do not see would.
    await assert.rejects(executor({ slurmArgs: '--output=/nonexistent/probe.log' }).probe(path.join(cluster.dir, 'probes'), 30_000), {
      message: /^The Slurm probe job \d+ ended [A-Z_]+( on n[12])? without writing \S+: the run folders must be on a file system the nodes share\.$/,
    });
    await assert.rejects(executor({ slurmArgs: '--begin=now+3600' }).probe(path.join(cluster.dir, 'probes'), 1000), {
      message:
        /^The Slurm probe job \d+ was still pending \(BeginTime\) after 1 s, so nightshift cannot tell whether the nodes see the run folders; it was cancelled\.$/,
    });
  });

  test('a run goes pending or running, then ends with its exit code, node and the GPU Slurm gave it', async () => {
    const ex = executor();
    const run = spec('echo "gpu=$CUDA_VISIBLE_DEVICES"; sleep 1.5; exit 3', { gpus: 1 });
    const submitted = await ex.submit(run);
    assert.match(submitted.state, /^(pending|running)$/);
    assert.match(submitted.id ?? '', /^\d+$/);
    assert.equal(fs.readFileSync(path.join(run.runDir, JOB_ID_FILE), 'utf8').trim(), submitted.id);
    const running = await until(ex, run, (s) => s.state === 'running');
    assert.ok((NODES as readonly string[]).includes(running.node ?? ''), `running on ${running.node}`);
    assert.equal(running.gpus?.length, 1, 'scontrol names the GPU the job holds');
    const ended = await until(ex, run, (s) => s.state === 'ended');
    assert.equal(ended.result?.exitCode, 3);
    assert.equal(ended.node, running.node, 'result.json records the Slurm node name');
    assert.equal(ended.gpus?.length, 1);
    assert.match(ended.gpus![0]!, /^[01]$/);
    assert.match(fs.readFileSync(path.join(run.runDir, 'output.log'), 'utf8'), /^gpu=[01]$/m);
  });

  test('a second submit of a name, even from a new executor after a restart, finds the first job', async () => {
    const run = spec('sleep 2');
    const first = await executor().submit(run);
    const again = await executor().submit(run);
    assert.equal(again.id, first.id);
    assert.deepEqual(jobsNamed(run.name), [first.id]);
    // A new agent finds it by name alone, even with the recorded id gone.
    fs.rmSync(path.join(run.runDir, JOB_ID_FILE));
    const found = await executor().find(run);
    assert.equal(found?.id, first.id);
    const ended = await until(executor(), run, (s) => s.state === 'ended');
    assert.equal(ended.result?.exitCode, 0);
    const afterEnd = await executor().submit(run);
    assert.equal(afterEnd.state, 'ended', 'an ended run is not started again');
    assert.deepEqual(jobsNamed(run.name), [first.id]);
  });

  test('the status of several runs comes from one squeue call', async () => {
    // A squeue on PATH that notes each call, then runs the real one.
    const shim = path.join(cluster.dir, 'shim');
    const calls = path.join(shim, 'calls');
    fs.mkdirSync(shim, { recursive: true });
    fs.writeFileSync(path.join(shim, 'squeue'), `#!/bin/sh\necho squeue >>${calls}\nexec /usr/bin/squeue "$@"\n`, { mode: 0o755 });
    const ex = executor({ env: { ...cluster.env, PATH: `${shim}:${cluster.env.PATH}` } });
    const runs = [spec('exit 0'), spec('exit 1'), spec('exit 2')];
    for (const run of runs) await ex.submit(run);
    const unknown = spec('true');
    fs.rmSync(calls, { force: true });
    const statuses = await ex.status([...runs, unknown]);
    assert.equal(fs.readFileSync(calls, 'utf8').trim().split('\n').length, 1);
    assert.equal(statuses.size, 4);
    assert.equal(statuses.get(unknown.name)?.state, 'vanished');
    const end = Date.now() + 15_000;
    let codes: (number | null | undefined)[] = [];
    while (Date.now() < end) {
      const now = await ex.status(runs);
      codes = runs.map((run) => now.get(run.name)?.result?.exitCode);
      if (codes.every((code) => code !== undefined)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(codes, [0, 1, 2]);
  });

  test('cancel stops a running job; the wrapper records the signal', async () => {
    const ex = executor();
    const run = spec('sleep 60');
    await ex.submit(run);
    await until(ex, run, (s) => s.state === 'running' && started(run));
    await ex.cancel(run);
    const ended = await until(ex, run, (s) => s.state === 'ended');
    assert.equal(ended.result?.signal, 'SIGTERM');
    await ex.cancel(run); // an ended run is left as it is
  });

  test('sbatch refusing a run (too many GPUs, an unknown partition) is one sentence', async () => {
    const tooMany = spec('true', { gpus: 5 });
    await assert.rejects(executor().submit(tooMany), (error: Error) => {
      assert.match(error.message, new RegExp(`^Slurm refused run ${tooMany.name}: .*Requested node configuration is not available.*\\.$`));
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    await assert.rejects(executor({ slurmArgs: '--partition=nowhere' }).submit(spec('true')), {
      message: /^Slurm refused run ns-1-\d+-1: invalid partition specified: nowhere; .*\.$/,
    });
  });

  test("a job pending past the limit is cancelled and reported vanished, with Slurm's reason", async () => {
    // --slurm-args reach sbatch: --begin keeps the job pending (reason BeginTime).
    const run = spec('true');
    const submitted = await executor({ slurmArgs: '--begin=now+3600 --comment="nightshift test"' }).submit(run);
    const pending = await executor().find(run);
    assert.equal(pending?.state, 'pending');
    assert.match(pending?.reason ?? '', /\(BeginTime\)/);
    assert.match(cluster.tool('scontrol', 'show', 'job', '-o', submitted.id!), /Comment=nightshift test /);
    const later = executor({ pendingLimitS: 60, now: () => Date.now() + 120_000 });
    const status = (await later.status([run])).get(run.name);
    assert.equal(status?.state, 'vanished');
    assert.match(
      status?.reason ?? '',
      new RegExp(`^Slurm job ${submitted.id} of run ${run.name} was pending for 1\\d\\d s \\(BeginTime\\), past the 60 s limit, and was cancelled\\.$`),
    );
    assert.match(cluster.tool('squeue', '--noheader', '--states=all', `--jobs=${submitted.id}`, '--format=%T'), /CANCELLED/);
    const next = (await executor().status([run])).get(run.name);
    assert.equal(next?.state, 'vanished', 'once cancelled, the run stays vanished');
    assert.match(next?.reason ?? '', /ended CANCELLED.* before it started\.$/);
  });

  test('a job killed without its wrapper writing a result, or forgotten by Slurm, has vanished with the reason', async () => {
    const ex = executor();
    const run = spec(WRAPPER_THEN_SLEEP);
    const { id } = await ex.submit(run);
    await until(ex, run, (s) => s.state === 'running' && started(run));
    await killWrapper(run);
    const gone = await until(ex, run, (s) => s.state === 'vanished');
    assert.match(gone.reason ?? '', new RegExp(`^Slurm job ${id} of run ${run.name} ended [A-Z_]+ on n[12].* without writing ${RESULT_FILE}\\.$`));
    assert.equal(fs.existsSync(path.join(run.runDir, RESULT_FILE)), false);
    assert.equal((await ex.submit(run)).state, 'vanished', 'a vanished run is not submitted again under its name');
    // A job id Slurm no longer knows (its record purged after MinJobAge), and no result.
    const forgotten = spec('true');
    fs.writeFileSync(path.join(forgotten.runDir, JOB_ID_FILE), '999999\n');
    const status = await ex.find(forgotten);
    assert.equal(status?.state, 'vanished');
    assert.match(status?.reason ?? '', /^Slurm job 999999 of run ns-1-\d+-1 is no longer known to Slurm and left no result\.json\.$/);
    assert.equal(await ex.find(spec('true')), null, 'a name never submitted is not found');
  });

  test('a job that ended without a result is awaited for the grace period before it is called vanished', async () => {
    const run = spec(WRAPPER_THEN_SLEEP);
    await executor().submit(run);
    await until(executor(), run, (s) => s.state === 'running' && started(run));
    await killWrapper(run);
    const patient = executor({ resultGraceS: 600 });
    const waiting = await until(patient, run, (s) => /waiting for its result\.json/.test(s.reason ?? ''));
    assert.equal(waiting.state, 'running');
  });

  // Last: it leaves node n2 down.
  test('a node that fails mid-run (slurmd, slurmstepd and the job killed) makes the run vanish with NODE_FAIL', async () => {
    const ex = executor();
    const run = spec(WRAPPER_THEN_SLEEP);
    const { id } = await executor({ slurmArgs: '--nodelist=n2' }).submit(run);
    await until(ex, run, (s) => s.state === 'running' && started(run));
    await waitForFile(wrapperPid(run));
    const wrapper = Number(fs.readFileSync(wrapperPid(run), 'utf8'));
    const stepd = Number(fs.readFileSync(`/proc/${wrapper}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    for (const pid of [cluster.pids.get('slurmd-n2')!, stepd, wrapper, Number(fs.readFileSync(path.join(run.runDir, 'command.pid'), 'utf8'))]) {
      process.kill(pid, 'SIGKILL');
    }
    const gone = await until(ex, run, (s) => s.state === 'vanished', 45_000);
    assert.match(gone.reason ?? '', new RegExp(`^Slurm job ${id} of run ${run.name} ended NODE_FAIL on n2 .*without writing ${RESULT_FILE}\\.$`));
  });
});
