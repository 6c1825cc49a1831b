import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { type Cluster, clusterMissing, startCluster } from '../executors/slurm-cluster.ts';
import { fastSandbox, readLog as read, tempDir, waitFor } from '../helpers.ts';
import { nightshift } from './cli.ts';

/**
 * `run` with several slots, end to end through the real CLI: the parallel loop, the local
 * executor's detached runs in checkouts, the schedule's verdicts, resume after kill -9, a GPU
 * pool sharing one GPU, and Slurm on the test cluster.
 */

/** The fast sandbox whose script notes each start (its run name and GPUs) in `marks`, outside its checkout, then sleeps `ms`. */
function markedSandbox(marks: string, ms: number): string {
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  const note = `import fs from 'node:fs';\nfs.appendFileSync(${JSON.stringify(marks)}, \`\${process.env.NIGHTSHIFT_RUN_NAME ?? '-'} \${process.env.CUDA_VISIBLE_DEVICES ?? ''}\\n\`);\nconsole.log('CUDA_VISIBLE_DEVICES=' + (process.env.CUDA_VISIBLE_DEVICES ?? ''));\n`;
  fs.writeFileSync(train, `${note}${fs.readFileSync(train, 'utf8')}\nawait new Promise((r) => setTimeout(r, ${ms}));\n`);
  return sandbox;
}

const marks = (file: string): string[][] =>
  (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : []).filter(Boolean).map((l) => l.split(' '));
const ran = (rows: ExperimentRow[]) => rows.filter((r) => r.started_at !== null && r.ended_at !== null && r.status !== 'rejected');
const verdicts = (rows: ExperimentRow[]) =>
  rows
    .filter((r) => r.parent_id === null && !['baseline', 'control', 'confirm'].includes(r.kind) && r.decision !== null && !r.reason?.startsWith('superseded:'))
    .map((r) => `${r.description}: ${r.decision}`);

function overlapping(rows: ExperimentRow[]): boolean {
  const spans = ran(rows).map((r) => [Date.parse(r.started_at!), Date.parse(r.ended_at!)] as const);
  return spans.some(([a0, a1], i) => spans.some(([b0, b1], j) => i !== j && a0 < b1 && b0 < a1));
}

const BASE = ['--budget', '20', '--max-experiments', '3', '--baseline-runs', '2', '--ablation-runs', '2', '--isolation', 'none', '--headless'];

test('run --parallel 2: the same verdicts as one run at a time, with runs overlapping in time, each in its own checkout', async () => {
  const dir = tempDir();
  const sequential = await nightshift(['run', '--sandbox', markedSandbox(path.join(dir, 'seq'), 400), '--db', path.join(dir, 'seq.db'), ...BASE]);
  assert.equal(sequential.exitCode, 0, String(sequential.all));
  const db = path.join(dir, 'par.db');
  const parallel = await nightshift(['run', '--sandbox', markedSandbox(path.join(dir, 'par'), 400), '--db', db, '--parallel', '2', ...BASE]);
  assert.equal(parallel.exitCode, 0, String(parallel.all));

  const { rows, sessions } = read(db);
  assert.equal(sessions[0]!.status, 'finished', String(parallel.all));
  // The planner proposes from the history it sees: asked speculatively (before the ablations are
  // decided) it may propose another change than it would one at a time. Where both tried a change,
  // the verdict is the same; the ablations come first either way.
  const [mine, theirs] = [verdicts(rows), verdicts(read(path.join(dir, 'seq.db')).rows)];
  assert.deepEqual(mine.slice(0, 2), theirs.slice(0, 2));
  const byChange = (list: string[]) => new Map(list.map((v) => [v.replace(/: \w+$/, ''), v]));
  const [a, b] = [byChange(mine), byChange(theirs)];
  for (const [change, verdict] of a) if (b.has(change)) assert.equal(verdict, b.get(change));
  assert.ok(overlapping(rows), 'two runs were in flight at once');
  // Every run was started once, by name, and none was left in a checkout.
  const names = marks(path.join(dir, 'par')).map(([name]) => name!);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.every((n) => /^ns-1-\d+-1$/.test(n)));
  assert.equal(names.length, ran(rows).length);
  const runs = path.join(path.dirname(sessions[0]!.workspace), 'runs');
  assert.deepEqual(
    fs.readdirSync(runs).filter((n) => fs.existsSync(path.join(runs, n, 'checkout'))),
    [],
  );
  assert.match(String(parallel.stdout), /#\d+ ablation (keep|revert)/);
});

test('--parallel 3 with keeps: each committed to the workspace in order, changes under way on the old head superseded and re-tested or rejected', async () => {
  const dir = tempDir();
  const sandbox = markedSandbox(path.join(dir, 'marks'), 300);
  const train = path.join(sandbox, 'train.mjs');
  // Too small a learning rate and too few epochs: raising lr is a clear keep.
  fs.writeFileSync(train, fs.readFileSync(train, 'utf8').replace('lr: 0.03,', 'lr: 0.004,').replace('epochs: 4,', 'epochs: 2,'));
  const db = path.join(dir, 'log.db');
  const result = await nightshift([
    'run',
    '--sandbox',
    sandbox,
    '--db',
    db,
    '--parallel',
    '3',
    ...BASE.slice(0, 2),
    '--max-experiments',
    '4',
    ...BASE.slice(4),
  ]);
  assert.equal(result.exitCode, 0, String(result.all));
  const { rows, sessions } = read(db);
  const keeps = rows.filter((r) => r.decision === 'keep');
  assert.ok(keeps.length >= 1, String(result.stdout));
  assert.equal(sessions[0]!.head_commit, keeps.at(-1)!.commit_sha);
  for (const old of rows.filter((r) => r.reason?.startsWith('superseded:') && r.reason.includes('was kept there first'))) {
    const again = rows.find((r) => r.retry_of === old.id);
    assert.ok(again, `#${old.id} was tested again`);
    assert.ok(again.status === 'rejected' || again.base_commit !== old.base_commit, `#${again.id}`);
  }
  assert.ok(!rows.some((r) => r.decision === 'pending' || r.status === 'running'));
  // Runs in flight that a keep made useless were cancelled, saying so; a superseded candidate keeps its verdict's reason first.
  for (const r of rows.filter((e) => e.status === 'interrupted')) {
    assert.match(r.reason ?? '', /^(superseded: .*; )?cancelled: /, `#${r.id}`);
    if (r.decision === 'revert') assert.match(r.reason!, /^superseded: /, `#${r.id}`);
  }
  const names = marks(path.join(dir, 'marks')).map(([name]) => name!);
  assert.equal(new Set(names).size, names.length);
});

test('kill -9 of the agent with runs in flight: the next run re-attaches them, starts none twice, and finishes', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'marks');
  const db = path.join(dir, 'log.db');
  const args = ['run', '--sandbox', markedSandbox(file, 2500), '--db', db, '--parallel', '2', ...BASE];
  const agent = nightshift(args);
  await waitFor(() => read(db).rows.filter((r) => r.status === 'running').length === 2, 60_000, 'two runs in flight');
  const inFlight = read(db).rows.filter((r) => r.status === 'running');
  agent.kill('SIGKILL');
  await agent;

  const final = await nightshift(args);
  assert.equal(final.exitCode, 0, String(final.all));
  assert.match(String(final.stdout), /re-attached 2 runs still in flight/);
  const { rows, sessions } = read(db);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!.status, 'finished');
  for (const row of inFlight) assert.equal(rows.find((r) => r.id === row.id)!.status, 'done', `#${row.id} was followed to its end, not re-run`);
  const names = marks(file).map(([name]) => name!);
  assert.equal(new Set(names).size, names.length, `a run started twice: ${names.join(', ')}`);
  assert.equal(names.length, ran(rows).length);
  assert.ok(!rows.some((r) => r.status === 'running' || r.status === 'queued' || r.decision === 'pending'));
});

test('kill -9 of the agent and of one run: the vanished run is interrupted and measured again on its seed as a new run, the other re-attached', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'marks');
  const db = path.join(dir, 'log.db');
  const args = ['run', '--sandbox', markedSandbox(file, 3000), '--db', db, '--parallel', '2', ...BASE];
  const agent = nightshift(args);
  await waitFor(() => read(db).rows.filter((r) => r.status === 'running').length === 2, 60_000, 'two runs in flight');
  const [lost, kept] = read(db).rows.filter((r) => r.status === 'running');
  agent.kill('SIGKILL');
  await agent;
  // The lost run's wrapper and command die with no result.json: the executor finds it vanished.
  const runDir = path.join(path.dirname(read(db).sessions[0]!.workspace), 'runs', `ns-1-${lost!.id}-1`);
  const { pid } = JSON.parse(fs.readFileSync(path.join(runDir, 'local.json'), 'utf8')) as { pid: number };
  process.kill(-pid, 'SIGKILL');

  const final = await nightshift(args);
  assert.equal(final.exitCode, 0, String(final.all));
  const { rows, sessions } = read(db);
  assert.equal(sessions[0]!.status, 'finished');
  assert.equal(rows.find((r) => r.id === lost!.id)!.status, 'interrupted');
  assert.equal(rows.find((r) => r.id === kept!.id)!.status, 'done');
  const again = rows.filter((r) => r.id > lost!.id && r.kind === lost!.kind && r.seed === lost!.seed && r.status === 'done');
  assert.ok(again.length >= 1, `#${lost!.id} (${lost!.kind}, seed ${lost!.seed}) measured again`);
  const names = marks(file).map(([name]) => name!);
  assert.equal(new Set(names).size, names.length, `a run started twice: ${names.join(', ')}`);
});

test('first Ctrl-C with two runs in flight: nothing new starts, both runs end and are recorded, the session stops; the next run continues it', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'log.db');
  const args = ['run', '--sandbox', markedSandbox(path.join(dir, 'marks'), 2000), '--db', db, '--parallel', '2', ...BASE];
  const agent = nightshift(args);
  await waitFor(() => read(db).rows.filter((r) => r.status === 'running').length === 2, 60_000, 'two runs in flight');
  const inFlight = read(db).rows.filter((r) => r.status === 'running');
  agent.kill('SIGINT');
  const stopped = await agent;
  assert.equal(stopped.exitCode, 0, String(stopped.all));
  const { rows, sessions } = read(db);
  assert.equal(sessions[0]!.status, 'stopped');
  assert.equal(sessions[0]!.end_reason, 'stopped by the user');
  for (const row of inFlight) assert.equal(rows.find((r) => r.id === row.id)!.status, 'done');
  assert.equal(rows.length, Math.max(...inFlight.map((r) => r.id)), 'nothing started after the stop');
  const again = await nightshift(args);
  assert.equal(again.exitCode, 0, String(again.all));
  assert.equal(read(db).sessions.length, 1);
  assert.equal(read(db).sessions[0]!.status, 'finished');
});

test('--gpus 0,0: two slots sharing GPU 0, each run given CUDA_VISIBLE_DEVICES=0 and recorded with it and its model', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'marks');
  const db = path.join(dir, 'log.db');
  // A stand-in nvidia-smi: the pool's list at start, and the wrapper's question about the run's GPUs.
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const smi = `#!/bin/sh\ncase "$*" in *index,uuid,name*) echo '0, GPU-0f, Fake H200' ;; *) echo 'Fake H200' ;; esac\n`;
  fs.writeFileSync(path.join(bin, 'nvidia-smi'), smi, { mode: 0o755 });
  const env = { PATH: `${bin}:${process.env.PATH}` };
  const result = await nightshift(
    ['run', '--sandbox', markedSandbox(file, 300), '--db', db, '--gpus', '0,0', ...BASE.slice(0, 2), '--max-experiments', '1', ...BASE.slice(4)],
    { env },
  );
  assert.equal(result.exitCode, 0, String(result.all));
  const { rows } = read(db);
  assert.ok(ran(rows).length >= 3);
  for (const row of ran(rows)) {
    assert.equal(row.gpus, '["0"]', `#${row.id}`);
    assert.equal(row.gpu_model, 'Fake H200', `#${row.id}`);
    assert.ok(row.node);
    assert.match(fs.readFileSync(row.log_path!, 'utf8'), /CUDA_VISIBLE_DEVICES=0\n/);
  }
  assert.ok(marks(file).every(([, gpus]) => gpus === '0'));
  const shown = await nightshift(['show', String(ran(rows)[0]!.id), '--db', db]);
  assert.match(String(shown.stdout), /GPUs 0 \(Fake H200\)/);
});

test('bad executor flags are one sentence each', async () => {
  for (const [flags, message] of [
    [['--parallel', '0'], /--parallel must be a whole number ≥ 1/],
    [['--executor', 'k8s'], /--executor must be local or slurm/],
    [['--gpus', '0,x'], /--gpus names "x"/],
    [['--gpus-per-run', '2'], /--gpus-per-run needs --gpus/],
    [['--slurm-args=-p gpu'], /--slurm-args is for --executor slurm/],
    [['--executor', 'slurm', '--slurm-args=-J mine'], /--slurm-args cannot hold -J/],
  ] as const) {
    const result = await nightshift(['run', '--sandbox', fastSandbox(), '--db', path.join(tempDir(), 'x.db'), ...flags]);
    assert.equal(result.exitCode, 2, String(result.all));
    assert.match(String(result.stderr), message);
    assert.equal(String(result.stderr).trim().split('\n').length, 1, String(result.stderr));
  }
});

const missing = clusterMissing();
describe('run --executor slurm --parallel 2 on the test cluster', { skip: missing ?? false }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('probed at the start, runs as jobs on the nodes, verdicts recorded, every run started once', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'marks');
    const db = path.join(dir, 'log.db');
    const env = Object.fromEntries(Object.entries(cluster.env).filter((e): e is [string, string] => e[1] !== undefined));
    const result = await nightshift(
      [
        'run',
        '--sandbox',
        markedSandbox(file, 300),
        '--db',
        db,
        '--executor',
        'slurm',
        '--parallel',
        '2',
        ...BASE.slice(0, 2),
        '--max-experiments',
        '1',
        ...BASE.slice(4),
      ],
      { env },
    );
    assert.equal(result.exitCode, 0, String(result.all));
    assert.match(String(result.stdout), /slurm: a probe job ran on n\d/);
    const { rows, sessions } = read(db);
    assert.equal(sessions[0]!.status, 'finished');
    assert.ok(ran(rows).every((r) => r.node === 'n1' || r.node === 'n2'));
    const names = marks(file).map(([name]) => name!);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.length, ran(rows).length);
  });
});
