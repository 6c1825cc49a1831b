/**
 * Measuring a run through an executor in its own checkout (agent/measurement/measure-on-executor.ts),
 * with real processes and real git: the local executor on the fast and sealed sandboxes (good,
 * crashing, past its budget, sealed and invalid, re-attached after the agent side stopped), and one
 * good run on a real two-node Slurm test cluster (skipped with the reason where Slurm is missing).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Slot, SlotPool } from '../../agent/executors/gpu-pool.ts';
import { LocalExecutor } from '../../agent/executors/local.ts';
import { SlurmExecutor } from '../../agent/executors/slurm.ts';
import { runFolders } from '../../agent/measurement/run-request.ts';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { type Cluster, clusterMissing, NODES, startCluster } from '../executors/slurm-cluster.ts';
import { fastSandbox, SEALED_SANDBOX } from '../helpers.ts';
import { executorSession } from './executor-harness.ts';

const bwrap = await probeBwrap();
const pool = (gpus: string[] = []) => new SlotPool([{ index: 0, gpus, model: gpus.length > 0 ? 'Fake GPU' : null } satisfies Slot]);
const local = (gpus: string[] = []) => new LocalExecutor({ pool: pool(gpus), graceMs: 500 });

/** The fast sandbox's final line also says which GPUs the script was given. */
const reportGpus = (text: string) => text.replace("backend: 'js' }", "backend: 'js', gpus: process.env.CUDA_VISIBLE_DEVICES }");
/** Half a second after each epoch: a run in flight long enough to act on. */
const slowEpochs = (text: string) =>
  text.replace('console.log(`epoch ${epoch} done`);', 'console.log(`epoch ${epoch} done`);\n  await new Promise((r) => setTimeout(r, 500));');
const twoEpochs = (text: string) => text.replace('epochs: 4,', 'epochs: 2,');

for (const isolation of ['none', 'auto'] as const) {
  test(`a good run in its checkout (isolation ${isolation}${isolation === 'auto' ? `: ${bwrap.usable ? 'bubblewrap' : 'none here'}` : ''}): metric, steps, final facts, log, GPU`, async () => {
    const s = await executorSession(fastSandbox(), { isolation });
    const diff = await s.diffOf({ 'train.mjs': (t) => reportGpus(twoEpochs(t)) });
    const row = s.row(diff);
    const { measured, steps, started } = await s.measure(local(['7']), row);
    assert.equal(measured.rejected, false);
    assert.ok(!measured.rejected && !measured.interrupted);
    const { outcome } = measured;
    assert.equal(outcome.status, 'done', outcome.reason ?? '');
    assert.ok(typeof outcome.metric === 'number' && outcome.metric > 0);
    assert.deepEqual(steps.length, 2, 'the checkout trains the change (2 epochs), not the workspace (4)');
    const final = JSON.parse(outcome.final_json!);
    assert.equal(final.steps, steps.at(-1));
    assert.equal(final.gpus, '7', "the script runs on the slot's GPU");
    assert.ok(outcome.run_s > 0 && outcome.run_s < 30);
    assert.deepEqual(measured.placement.gpus, ['7']);
    assert.equal(measured.placement.node, os.hostname());
    assert.equal(measured.placement.gpuModel, 'Fake GPU');
    assert.equal(measured.name, `ns-${s.opened.session.id}-${row.id}-1`);
    assert.equal(started.length, 1);
    assert.equal(started[0]!.reattached, false);
    const log = fs.readFileSync(runFolders(s.opened, row).logPath, 'utf8');
    assert.match(log, /epoch 1 done/);
    assert.equal(started[0]!.logPath, runFolders(s.opened, row).logPath);
    assert.match(fs.readFileSync(path.join(started[0]!.checkout.dir, 'train.mjs'), 'utf8'), /epochs: 2,/);
    assert.match(s.opened.workspace.read('train.mjs'), /epochs: 4,/, "the session's workspace is untouched");
    s.close();
  });
}

test('a crashing run is crashed, with the line that names the failure', async () => {
  const s = await executorSession(fastSandbox(), { isolation: 'none' });
  const diff = await s.diffOf({
    'train.mjs': (t) => t.replace('const started = Date.now();', "throw new Error('boom in training');\nconst started = Date.now();"),
  });
  const { measured } = await s.measure(local(), s.row(diff));
  assert.ok(!measured.rejected && !measured.interrupted);
  assert.equal(measured.outcome.status, 'crashed');
  assert.equal(measured.outcome.exit_code, 1);
  assert.match(measured.outcome.reason!, /exited with code 1 without a final line: .*boom in training/);
  s.close();
});

test('a run past its budget and grace is cancelled from the agent side and recorded as a timeout', async () => {
  const s = await executorSession(fastSandbox(), { isolation: 'none', budgetS: 1, graceS: 1 });
  const diff = await s.diffOf({ 'train.mjs': (t) => t.replace('const valLoss', 'await new Promise((r) => setTimeout(r, 60_000));\nconst valLoss') });
  const began = Date.now();
  const { measured } = await s.measure(local(), s.row(diff));
  assert.ok(!measured.rejected && !measured.interrupted);
  assert.equal(measured.outcome.status, 'timeout', measured.outcome.reason ?? '');
  assert.match(measured.outcome.reason!, /killed after 2 s \(budget \+ grace\)/);
  assert.ok(Date.now() - began < 20_000, 'cancelled near the deadline, not at the executor’s own limit');
  s.close();
});

test('stopped by the user (the default on abort): the run is cancelled and recorded as interrupted', async () => {
  const s = await executorSession(fastSandbox(), { isolation: 'none' });
  const diff = await s.diffOf({ 'train.mjs': (t) => t.replace('const valLoss', 'await new Promise((r) => setTimeout(r, 60_000));\nconst valLoss') });
  const stop = new AbortController();
  const { measured, started } = await s.measure(local(), s.row(diff), {}, { signal: stop.signal, onStep: () => stop.abort() });
  assert.ok(!measured.rejected && measured.interrupted);
  assert.equal(measured.reason, 'stopped by the user');
  assert.equal((await local().find({ name: measured.name, runDir: started[0]!.runDir }))?.state, 'ended', 'cancelled, its end recorded');
  s.close();
});

test('a run whose wrapper is killed (kill -9, the OOM killer) vanished: interrupted with the reason, to be re-run', async () => {
  const s = await executorSession(fastSandbox(), { isolation: 'none' });
  const diff = await s.diffOf({ 'train.mjs': slowEpochs });
  let wrapper = 0;
  const { measured } = await s.measure(local(), s.row(diff), {}, { onStep: () => wrapper && process.kill(wrapper, 'SIGKILL') }, (run) => {
    wrapper = Number(run.status.id);
  });
  assert.ok(wrapper > 0);
  assert.ok(!measured.rejected && measured.interrupted, JSON.stringify(measured));
  assert.match(measured.reason, /^the run vanished: its wrapper \(pid \d+\) is gone without writing result\.json/);
  s.close();
});

describe('a sealed session through an executor', () => {
  const TRAIN = fs.readFileSync(path.join(SEALED_SANDBOX, 'train.mjs'), 'utf8');
  const beforeSave = (code: string) => (t: string) =>
    t.replace("  fs.writeFileSync(path.join(out, 'model.json')", `${code}\n  fs.writeFileSync(path.join(out, 'model.json')`);
  assert.match(TRAIN, /fs\.writeFileSync\(path\.join\(out, 'model\.json'\)/);

  test('the metric comes from the evaluation, run against the checkout', async () => {
    const s = await executorSession(fastSandbox({}, SEALED_SANDBOX));
    const { measured } = await s.measure(local(), s.row());
    assert.ok(!measured.rejected && !measured.interrupted);
    assert.equal(measured.outcome.status, 'done', measured.outcome.reason ?? '');
    assert.deepEqual(Object.keys(JSON.parse(measured.outcome.eval_json!)).sort(), ['final', 'floor', 'val_loss']);
    assert.equal(measured.outcome.metric, JSON.parse(measured.outcome.eval_json!).val_loss);
    assert.ok(measured.outcome.eval_s! > 0);
    s.close();
  });

  test('a training run that writes into a read-only file of its checkout is invalid', async () => {
    const s = await executorSession(fastSandbox({}, SEALED_SANDBOX));
    const diff = await s.diffOf({ 'train.mjs': beforeSave("  fs.appendFileSync('data.mjs', '\\nexport const poisoned = true;\\n');") });
    const { measured } = await s.measure(local(), s.row(diff));
    assert.ok(!measured.rejected && !measured.interrupted);
    assert.equal(measured.outcome.status, 'invalid');
    assert.match(measured.outcome.reason!, /it changed data\.mjs during the run; only the editable files may change/);
    assert.doesNotMatch(s.opened.workspace.read('data.mjs'), /poisoned/, "the session's workspace never saw it");
    s.close();
  });

  test('a diff that changes a read-only file is rejected unrun, its checkout removed', async () => {
    const s = await executorSession(fastSandbox({}, SEALED_SANDBOX));
    const diff = await s.diffOf({ 'data.mjs': (t) => `${t}\n// changed\n` });
    const { measured, started } = await s.measure(local(), s.row(diff));
    assert.deepEqual(measured, { rejected: true, reason: 'it changed read-only data.mjs' });
    assert.equal(started.length, 0);
    assert.deepEqual(s.checkouts.names(), []);
    s.close();
  });
});

test('re-attach: an agent side stopped mid-run finds the run by name on the next call and never starts it twice', async () => {
  const s = await executorSession(fastSandbox());
  // Each start of the script leaves a line in its artifact folder, outside the checkout.
  const diff = await s.diffOf({
    'train.mjs': (t) => `import fs from 'node:fs';\nfs.appendFileSync(process.env.NIGHTSHIFT_OUT + '/starts', 'start\\n');\n${slowEpochs(t)}`,
  });
  assert.match(diff, /setTimeout\(r, 500\)/);
  const row = s.row(diff);
  const starts = path.join(runFolders(s.opened, row).outDir, 'starts');
  const executor = local();
  const stop = new AbortController();
  const first = await s.measure(executor, row, { onAbort: 'detach' }, { signal: stop.signal, onStep: () => stop.abort() });
  assert.ok(!first.measured.rejected && first.measured.interrupted);
  assert.match(first.measured.reason, /runs on, to be re-attached by name/);
  assert.equal(first.steps.length, 1);
  assert.equal((await executor.find({ name: first.measured.name, runDir: first.started[0]!.runDir }))?.state, 'running', 'detaching left it running');

  // A new executor, as a restarted agent would make: the run is found through its folder alone.
  const second = await s.measure(local(), row, {}, { stepsKnown: first.steps.length });
  assert.equal(second.started[0]!.reattached, true);
  assert.ok(!second.measured.rejected && !second.measured.interrupted);
  assert.equal(second.measured.outcome.status, 'done', second.measured.outcome.reason ?? '');
  assert.deepEqual([...first.steps, ...second.steps].length, 4, 'every step delivered once across both calls');
  assert.equal(fs.readFileSync(starts, 'utf8'), 'start\n', 'the script started once');
  const log = fs.readFileSync(runFolders(s.opened, row).logPath, 'utf8');
  assert.equal(log.match(/epoch 0 done/g)?.length, 1, 'the log holds the whole output once');
  assert.match(log, /epoch 3 done/);
  s.close();
});

const missing = clusterMissing();
describe('through the Slurm executor on the two-node test cluster', { skip: missing ?? false }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a good run end to end: submitted as a job, followed through its run folder, node and GPU recorded', async () => {
    // The session's folder must be visible on the nodes: the cluster's folder is, on this host.
    const s = await executorSession(fastSandbox(), {}, fs.mkdtempSync(path.join(cluster.dir, 'session-')));
    const diff = await s.diffOf({ 'train.mjs': reportGpus });
    const executor = new SlurmExecutor({ slots: 2, env: cluster.env, resultGraceS: 5 });
    const { measured, steps } = await s.measure(executor, s.row(diff), { gpus: 1, pollMs: 250 });
    assert.ok(!measured.rejected && !measured.interrupted, JSON.stringify(measured));
    assert.equal(measured.outcome.status, 'done', measured.outcome.reason ?? '');
    assert.equal(steps.length, 4);
    assert.ok((NODES as readonly string[]).includes(measured.placement.node!), `node ${measured.placement.node}`);
    assert.equal(measured.placement.gpus.length, 1);
    assert.equal(JSON.parse(measured.outcome.final_json!).gpus, measured.placement.gpus.join(','), "the script saw the job's GPU");
    s.close();
  });
});
