import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { type Slot, SlotPool } from '../../agent/executors/gpu-pool.ts';
import { LocalExecutor } from '../../agent/executors/local.ts';
import { CLAIM_FILE, RECORD_FILE, writeRecord } from '../../agent/executors/local-record.ts';
import { bootId, processStat } from '../../agent/executors/proc.ts';
import { OUTPUT_LOG } from '../../agent/executors/run-folder.ts';
import type { RunSpec } from '../../agent/executors/types.ts';
import { isAlive, REPO, tempDir, waitFor } from '../helpers.ts';

const cpuPool = (n: number) => new SlotPool(Array.from({ length: n }, (_, index): Slot => ({ index, gpus: [], model: null })));
const gpuPool = (...gpus: string[]) => new SlotPool(gpus.map((id, index): Slot => ({ index, gpus: [id], model: 'Fake GPU' })));

let serial = 0;
/** A run of `script` (sh) in a fresh run folder, with a one-variable environment. */
function spec(script: string, extra: Partial<RunSpec> = {}): RunSpec {
  const root = tempDir();
  return {
    name: `ns-9-${++serial}-1`,
    runDir: path.join(root, 'run'),
    cwd: root,
    argv: ['/bin/sh', '-c', script],
    env: { PATH: process.env.PATH! },
    gpus: 0,
    timeLimitS: 60,
    ...extra,
  };
}

async function ended(executor: LocalExecutor, run: RunSpec, timeoutMs = 20_000) {
  let status = await executor.find(run);
  const end = Date.now() + timeoutMs;
  while (status?.state !== 'ended' && status?.state !== 'vanished') {
    if (Date.now() > end) throw new Error(`run ${run.name} did not end: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await executor.find(run);
  }
  return status;
}

const log = (run: RunSpec) => fs.readFileSync(path.join(run.runDir, OUTPUT_LOG), 'utf8');

test('a submitted run runs in a session of its own, is found by name, and ends with its result; its slot is freed', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(2) });
  const run = spec('echo "hi $NIGHTSHIFT_RUN_NAME"; sleep 0.5; exit 4');
  const started = await executor.submit(run);
  assert.equal(started.state, 'running');
  const pid = Number(started.id);
  assert.equal(processStat(pid)?.pgrp, pid, 'the wrapper leads its own process group');
  assert.equal(executor.pool.free, 1);
  assert.equal((await executor.find(run))?.state, 'running');
  const done = await ended(executor, run);
  assert.equal(done.state, 'ended');
  assert.equal(done.result?.exitCode, 4);
  assert.equal(done.id, String(pid));
  assert.equal(log(run), `hi ${run.name}\n`);
  assert.equal(executor.pool.free, 2);
  assert.equal(await executor.find(spec('true')), null, 'a run never submitted is not found');
});

test('status answers for many runs at once, a name never submitted among them', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(2) });
  const quick = spec('exit 0');
  const slow = spec('sleep 30');
  const never = spec('true');
  await executor.submit(quick);
  await executor.submit(slow);
  await ended(executor, quick);
  const all = await executor.status([quick, slow, never]);
  assert.deepEqual(
    [...all.values()].map((s) => s.state),
    ['ended', 'running', 'vanished'],
  );
  assert.match(all.get(never.name)!.reason!, /no run of that name was submitted/);
  await executor.cancel(slow);
});

test('each run gets the GPUs of its slot and records them; a full pool refuses a run until a slot is free', async () => {
  const executor = new LocalExecutor({ pool: gpuPool('0', '1'), graceMs: 500 });
  const a = spec('echo "[$CUDA_VISIBLE_DEVICES]"; sleep 0.6');
  const b = spec('echo "[$CUDA_VISIBLE_DEVICES]"; sleep 0.6');
  const first = await executor.submit(a);
  const second = await executor.submit(b);
  assert.deepEqual([first.gpus, second.gpus], [['0'], ['1']]);
  assert.equal(first.gpuModel, 'Fake GPU');
  await assert.rejects(executor.submit(spec('true')), /all 2 slots are taken \(ns-9-\d+-1, ns-9-\d+-1\); submit ns-9-\d+-1 when one is free/);
  await waitFor(() => [a, b].every((run) => fs.existsSync(path.join(run.runDir, 'result.json'))), 20_000, 'both runs to end');
  // Nobody looked at the runs since they ended: the full pool asks them before refusing.
  const c = spec('echo "[$CUDA_VISIBLE_DEVICES]"');
  assert.equal((await executor.submit(c)).state, 'running');
  const results = await Promise.all([a, b, c].map((run) => ended(executor, run)));
  assert.deepEqual(
    results.map((s) => s.result?.gpus),
    [['0'], ['1'], ['0']],
  );
  assert.deepEqual([a, b, c].map(log), ['[0]\n', '[1]\n', '[0]\n']);
  await assert.rejects(executor.submit(spec('true', { gpus: 2 })), /needs 2 GPUs and this pool's slots have 1 each/);
});

test('a second submit of a name, at once or from a fresh executor after a restart, finds the first and never starts it twice', async () => {
  const counter = path.join(tempDir(), 'starts');
  const run = spec(`echo started >> ${counter}; sleep 0.5`);
  const [one, two] = await Promise.all([new LocalExecutor({ pool: cpuPool(1) }).submit(run), new LocalExecutor({ pool: cpuPool(1) }).submit(run)]);
  assert.equal(one.state, 'running');
  assert.equal(two.state, 'running');
  assert.equal(one.id, two.id);
  const again = new LocalExecutor({ pool: cpuPool(1) });
  assert.equal((await again.submit(run)).id, one.id);
  await ended(again, run);
  const late = await new LocalExecutor({ pool: cpuPool(1) }).submit(run);
  assert.equal(late.state, 'ended');
  assert.equal(late.result?.exitCode, 0);
  assert.equal(fs.readFileSync(counter, 'utf8'), 'started\n');
});

test('a run outlives its agent killed with SIGKILL (its whole process group), and a fresh executor finds it, adopts its slot and sees it end', async () => {
  const marker = path.join(tempDir(), 'finished');
  const run = spec(`sleep 1.5; echo done > ${marker}`);
  const agent = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/executors/fixtures/submit-and-stay.ts'), JSON.stringify(run)], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  agent.stdout.on('data', (chunk) => (out += chunk));
  await waitFor(() => out.includes('\n'), 20_000, 'the agent to submit');
  const submitted = JSON.parse(out);
  assert.equal(submitted.state, 'running');
  // As a closed terminal or a kill of the agent's group would: every process of the agent's group.
  process.kill(-agent.pid!, 'SIGKILL');
  await waitFor(() => !isAlive(agent.pid!), 5000, 'the agent to die');
  const fresh = new LocalExecutor({ pool: gpuPool('3') });
  const found = await fresh.find(run);
  assert.equal(found?.state, 'running');
  assert.equal(found?.id, submitted.id);
  assert.deepEqual(found?.gpus, ['3']);
  assert.equal(found?.gpuModel, 'Fake GPU');
  assert.equal(fresh.pool.slotOf(run.name)?.index, 0, 'the pool is rebuilt from the run in flight');
  assert.equal(fresh.pool.free, 0);
  const done = await ended(fresh, run);
  assert.equal(done.state, 'ended');
  assert.equal(done.result?.exitCode, 0);
  assert.deepEqual(done.result?.gpus, ['3']);
  assert.equal(fs.readFileSync(marker, 'utf8'), 'done\n');
  assert.equal(fresh.pool.free, 1);
});

test('cancel TERMs the run and the wrapper records it; an ended run is left alone', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(1), graceMs: 20_000 });
  const run = spec('sleep 30');
  const pid = Number((await executor.submit(run)).id);
  const t0 = Date.now();
  await executor.cancel(run);
  assert.ok(Date.now() - t0 < 10_000, 'a command that obeys TERM is not waited on for the grace period');
  const status = await executor.find(run);
  assert.equal(status?.state, 'ended');
  assert.equal(status?.result?.signal, 'SIGTERM');
  assert.equal(isAlive(pid) && processStat(pid)?.state !== 'Z', false);
  assert.equal(executor.pool.free, 1);
  const before = fs.readFileSync(path.join(run.runDir, 'result.json'), 'utf8');
  await executor.cancel(run);
  assert.equal(fs.readFileSync(path.join(run.runDir, 'result.json'), 'utf8'), before);
});

test('a command that ignores TERM is killed after the grace period, and the wrapper still records how it ended', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(1), graceMs: 500 });
  const run = spec(`trap '' TERM; echo ready; while :; do sleep 0.1; done`);
  await executor.submit(run);
  await waitFor(() => fs.existsSync(path.join(run.runDir, OUTPUT_LOG)) && log(run).includes('ready'), 5000, 'the trap to be set');
  await executor.cancel(run);
  const status = await executor.find(run);
  assert.equal(status?.state, 'ended');
  assert.equal(status?.result?.signal, 'SIGKILL');
});

test('a run whose group is killed with SIGKILL (no result written) is vanished, with the reason, and frees its slot', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(1) });
  const run = spec('sleep 30');
  const pid = Number((await executor.submit(run)).id);
  process.kill(-pid, 'SIGKILL');
  const status = await ended(executor, run);
  assert.equal(status.state, 'vanished');
  assert.equal(
    status.reason,
    `its wrapper (pid ${pid}) is gone without writing result.json, so it was killed (kill -9, the out-of-memory killer) before its end could be recorded`,
  );
  assert.equal(executor.pool.free, 1);
  await executor.cancel(run);
});

/** A run folder claimed and recorded by hand: the record points at `pid`. */
function forged(pid: number, startTicks: number, boot = bootId()): RunSpec {
  const run = spec('true');
  fs.mkdirSync(run.runDir, { recursive: true });
  fs.writeFileSync(path.join(run.runDir, CLAIM_FILE), '');
  writeRecord(run.runDir, { pid, startTicks, bootId: boot, slot: 0, gpus: [], gpuModel: null, node: 'here', submittedAt: new Date().toISOString() });
  return run;
}

test('a recycled pid is never taken for the run: another start time, another environment or another boot all read as vanished, and cancel signals nothing', async () => {
  const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  const stat = processStat(stranger.pid!)!;
  const executor = new LocalExecutor({ pool: cpuPool(1), graceMs: 100 });
  const cases: [RunSpec, RegExp][] = [
    [forged(stranger.pid!, stat.startTicks + 1), /the pid now belongs to another process/],
    [forged(stranger.pid!, stat.startTicks), /the pid now belongs to another process/],
    [forged(stranger.pid!, stat.startTicks, 'another-boot'), /the machine restarted since its wrapper/],
  ];
  for (const [run, reason] of cases) {
    const status = await executor.find(run);
    assert.equal(status?.state, 'vanished');
    assert.match(status!.reason!, reason);
    await executor.cancel(run);
    assert.equal(isAlive(stranger.pid!), true, 'the stranger was not signalled');
    assert.equal((await executor.submit(run)).state, 'vanished', 'and a resubmit does not start it again');
  }
  stranger.kill('SIGKILL');
});

test('a claim without a record is a submit under way, then vanished; a process carrying the run marks is the run', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(1) });
  const run = spec('true');
  fs.mkdirSync(run.runDir, { recursive: true });
  const claimFile = path.join(run.runDir, CLAIM_FILE);
  fs.writeFileSync(claimFile, '');
  assert.equal((await executor.find(run))?.state, 'pending');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(claimFile, old, old);
  const lost = await executor.find(run);
  assert.equal(lost?.state, 'vanished');
  assert.match(lost!.reason!, /the submit that claimed it died before starting it/);
  // The submitter died between the spawn and the record: the wrapper is found by the marks in its environment.
  const wrapper = spawn('sleep', ['30'], {
    env: { PATH: process.env.PATH!, NIGHTSHIFT_RUN_NAME: run.name, NIGHTSHIFT_RUN_DIR: path.resolve(run.runDir) },
    stdio: 'ignore',
  });
  await waitFor(() => fs.readFileSync(`/proc/${wrapper.pid}/cmdline`, 'latin1').startsWith('sleep'), 5000, 'the exec');
  const found = await executor.find(run);
  assert.equal(found?.state, 'running');
  assert.equal(found?.id, String(wrapper.pid));
  wrapper.kill('SIGKILL');
});

test('a spec the wrapper cannot carry is refused before anything is claimed; a garbled record is an error naming it', async () => {
  const executor = new LocalExecutor({ pool: cpuPool(1) });
  const bad = spec('true', { env: { 'BAD-NAME': '1' } });
  await assert.rejects(executor.submit(bad), /environment variable name "BAD-NAME"/);
  assert.equal(fs.existsSync(path.join(bad.runDir, CLAIM_FILE)), false);
  assert.equal(executor.pool.free, 1);
  const garbled = forged(1, 0);
  fs.writeFileSync(path.join(garbled.runDir, RECORD_FILE), '{"pid": "x"}');
  await assert.rejects(executor.find(garbled), /local\.json is not the record a local submit writes \(pid\)/);
});
