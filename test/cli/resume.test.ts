import assert from 'node:assert/strict';
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
