import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decidedCount } from '../../agent/session/kinds.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { isAlive, readLog as read, slowSandbox, tempDir, waitFor, workspaceGit } from '../helpers.ts';
import { nightshift } from './cli.ts';

test('kill -9 of the agent mid-run: the next run on the same DB resumes, re-runs the lost experiment, loses and duplicates nothing', async () => {
  const db = path.join(tempDir(), 'log.db');
  const args = ['run', '--sandbox', slowSandbox(700), '--db', db, '--budget', '10', '--max-experiments', '2', '--baseline-runs', '2', '--ablation-runs', '2'];

  // Kill twice: once during a baseline run, once during a candidate's run.
  for (const when of [(r: ExperimentRow) => r.kind === 'baseline' && r.seed === 2, (r: ExperimentRow) => r.kind === 'ablation']) {
    const agent = nightshift(args);
    await waitFor(() => read(db).rows.some((r) => r.status === 'running' && r.pid !== null && when(r)), 30_000, 'a run to be in flight');
    const victim = read(db).rows.find((r) => r.status === 'running')!;
    agent.kill('SIGKILL');
    await agent;
    assert.ok(isAlive(victim.pid!), 'the orphaned training process outlives the agent until resume');
    // Resume happens by itself on the same --db because the session was left running.
  }

  const final = await nightshift(args);
  assert.equal(final.exitCode, 0, String(final.all));
  assert.match(String(final.stdout), /resumed session 1: .*re-running interrupted/);

  const { rows, sessions } = read(db);
  assert.equal(sessions.length, 1, 'the same session continued');
  assert.equal(sessions[0]!.status, 'finished');
  const interrupted = rows.filter((r) => r.status === 'interrupted');
  assert.equal(interrupted.length, 2);
  for (const r of interrupted) assert.ok(!isAlive(r.pid!), `orphaned run ${r.id} was killed on resume`);

  const finished = rows.filter((r) => ['done', 'crashed', 'timeout', 'diverged'].includes(r.status));
  assert.equal(decidedCount(rows), 2, 'exactly --max-experiments decided changes');
  assert.ok(!rows.some((r) => r.decision === 'pending'), 'none left half-decided');
  assert.deepEqual(
    rows.filter((r) => r.status === 'running' || r.status === 'queued'),
    [],
  );

  // The interrupted baseline seed was measured again; the interrupted ablation re-ran from its stored diff.
  assert.deepEqual(
    finished.filter((r) => r.kind === 'baseline').map((r) => r.seed),
    [1, 2],
  );
  const ablation = interrupted.find((r) => r.kind === 'ablation')!;
  const retry = rows.find((r) => r.retry_of === ablation.id)!;
  assert.equal(retry.diff, ablation.diff);
  assert.equal(retry.change_key, ablation.change_key);
  assert.equal(ablation.decision, null, 'only the re-run carries the verdict');

  // No change was tried twice to completion.
  const keys = finished.filter((r) => r.change_key).map((r) => r.change_key);
  assert.equal(new Set(keys).size, keys.length);

  // The workspace stands at the last kept commit with nothing uncommitted.
  const ws = sessions[0]!.workspace;
  assert.equal(workspaceGit(ws, 'rev-parse', 'HEAD'), sessions[0]!.head_commit);
  assert.equal(workspaceGit(ws, 'status', '--porcelain'), '');
});

test('a clean stop and a plain run continue the session; a finished one, --new, or other settings start another, saying why', async () => {
  const db = path.join(tempDir(), 'log.db');
  const sandbox = slowSandbox(1500);
  const args = (...more: string[]) => ['run', '--sandbox', sandbox, '--db', db, '--baseline-runs', '3', '--headless', ...more];
  /** Starts a run and stops it with one Ctrl-C once a run is in flight: the session ends stopped. */
  const stopped = async (...more: string[]) => {
    const before = read(db).rows.length;
    const agent = nightshift(args('--budget', '10', ...more));
    await waitFor(
      () =>
        read(db)
          .rows.slice(before)
          .some((r) => r.status === 'running'),
      30_000,
      'a run to be in flight',
    );
    agent.kill('SIGINT');
    const result = await agent;
    assert.equal(result.exitCode, 0, String(result.all));
    return result;
  };

  await stopped('--max-runs', '2');
  // A limit is no setting of the experiment: given anew, it replaces the stored one.
  const continued = await nightshift(args('--budget', '10', '--max-runs', '3'));
  assert.equal(continued.exitCode, 0, String(continued.all));
  assert.match(String(continued.stdout), /^resumed session 1: /m);
  assert.deepEqual(
    read(db).sessions.map((s) => [s.id, s.status]),
    [[1, 'finished']],
  );
  assert.equal(read(db).rows.length, 3, 'the stopped session went on to its new limit');

  // Finished: the next run is a new session, with nothing to say about it.
  const second = await stopped('--max-runs', '2');
  assert.match(String(second.stdout), /^session 2 started: /m);
  assert.doesNotMatch(String(second.stdout), /not continued/);
  // --new leaves the stopped session 2 as it is.
  const third = await stopped('--new');
  assert.match(String(third.stdout), /^session 3 started: /m);
  // Other settings: a new session, and the one line that says why.
  const other = await nightshift(args('--budget', '11', '--max-runs', '1'));
  assert.equal(other.exitCode, 0, String(other.all));
  assert.match(
    String(other.stdout),
    /^warning: session 3 was stopped but is not continued: --budget 10 → 11; a new session starts \('nightshift run --resume' continues 3 with its own settings\)$/m,
  );
  assert.match(String(other.stdout), /^session 4 started: /m);
  assert.deepEqual(
    read(db).sessions.map((s) => [s.id, s.status]),
    [
      [1, 'finished'],
      [2, 'stopped'],
      [3, 'stopped'],
      [4, 'finished'],
    ],
  );

  // The morning's queries open on the latest session with experiments.
  const report = await nightshift(['report', '--db', db, '--format', 'json']);
  assert.equal(report.exitCode, 0, String(report.all));
  assert.equal(JSON.parse(String(report.stdout)).session, 4);
  const both = await nightshift(args('--resume', '--new'));
  assert.equal(both.exitCode, 2);
  assert.match(String(both.stderr), /^nightshift: --resume continues the latest session and --new starts another; give one$/m);
});

test('a stopped session whose sandbox files changed is not continued', async () => {
  const db = path.join(tempDir(), 'log.db');
  const sandbox = slowSandbox(1500);
  const args = ['run', '--sandbox', sandbox, '--db', db, '--budget', '10', '--baseline-runs', '2', '--max-runs', '1', '--headless'];
  const agent = nightshift(args);
  await waitFor(() => read(db).rows.some((r) => r.status === 'running'), 30_000, 'a run to be in flight');
  agent.kill('SIGINT');
  assert.equal((await agent).exitCode, 0);
  fs.appendFileSync(path.join(sandbox, 'train.mjs'), '\n// edited in the morning\n');
  const again = await nightshift(args);
  assert.equal(again.exitCode, 0, String(again.all));
  assert.match(String(again.stdout), /^warning: session 1 was stopped but is not continued: the sandbox's files changed since it began; /m);
  assert.equal(read(db).sessions.length, 2);
});
