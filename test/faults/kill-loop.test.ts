import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { mulberry32 } from '../../agent/stats/random.ts';
import { readLog, slowSandbox, tempDir, waitFor, workspaceGit } from '../helpers.ts';
import { nightshift } from '../cli/cli.ts';

const FINISHED = ['done', 'crashed', 'timeout', 'diverged'];

test('kill -9 at many random moments (runs, commits, DB writes): the log stays consistent and the session completes', async () => {
  const db = path.join(tempDir(), 'log.db');
  const max = 16;
  const args = [
    'run',
    '--sandbox',
    // Slowed so that twelve blows land before the session ends, however fast runs start (bubblewrap or not).
    slowSandbox(150),
    '--db',
    db,
    '--budget',
    '5',
    '--max-runs',
    String(max),
    '--baseline-runs',
    '2',
    '--ablation-runs',
    '2',
  ];
  const random = mulberry32(20261122);
  let kills = 0;
  let completed = false;
  for (let i = 0; i < 12; i++) {
    const agent = nightshift(args);
    // Wait until the agent has its session open, then strike anywhere in the next 1.2 s.
    await waitFor(() => readLog(db).sessions.length > 0 || agent.exitCode !== null, 20_000, 'the agent to start');
    await new Promise((r) => setTimeout(r, random() * 1200));
    agent.kill('SIGKILL');
    const result = await agent;
    if (result.exitCode === 0) {
      completed = true; // it finished the session before the blow landed
      break;
    }
    kills++;
  }
  assert.ok(kills >= 5, `the agent was killed ${kills} times`);

  if (!completed) {
    const final = await nightshift(args);
    assert.equal(final.exitCode, 0, String(final.all));
  }
  const { sessions, rows } = readLog(db);
  assert.equal(sessions.length, 1, `every start continued the same session: ${JSON.stringify(sessions.map((s) => [s.id, s.status, s.end_reason]))}`);
  const [session] = sessions;
  assert.equal(session!.status, 'finished');
  assert.match(session!.end_reason!, new RegExp(`^reached --max-runs ${max}`));

  assert.deepEqual(
    rows.filter((r) => r.status === 'running' || r.status === 'queued').map((r) => r.id),
    [],
  );
  // At most --max-runs, and no change left half-decided: a change starts only with room for all its runs.
  assert.ok(rows.filter((r) => FINISHED.includes(r.status)).length <= max);
  assert.deepEqual(
    rows.filter((r) => r.decision === 'pending').map((r) => r.id),
    [],
  );
  for (const r of rows.filter((x) => x.status !== 'interrupted' && x.status !== 'rejected')) {
    assert.ok(r.log_path && fs.existsSync(r.log_path), `run ${r.id} has its log`);
  }
  // Every interrupted candidate was re-run exactly once, from its stored diff; none is decided twice.
  for (const r of rows.filter((x) => x.status === 'interrupted' && x.kind !== 'baseline' && x.kind !== 'control' && x.kind !== 'confirm')) {
    const retries = rows.filter((x) => x.retry_of === r.id);
    assert.ok(retries.length <= 1, `candidate ${r.id} re-run ${retries.length} times`);
    assert.equal(r.decision, null);
  }
  const keys = rows.filter((r) => FINISHED.includes(r.status) && r.change_key).map((r) => r.change_key);
  assert.equal(new Set(keys).size, keys.length, 'no change was tried twice');

  // The workspace history is exactly the kept experiments, in order, and HEAD is the session's head.
  const ws = session!.workspace;
  const git = (...a: string[]) => workspaceGit(ws, ...a);
  assert.equal(git('rev-parse', 'HEAD'), session!.head_commit);
  assert.equal(git('status', '--porcelain'), '');
  const kept = rows.filter((r) => r.decision === 'keep');
  assert.deepEqual(
    git('rev-list', '--reverse', 'HEAD').split('\n').slice(1),
    kept.map((k) => k.commit_sha),
  );

  const reader = new Database(db, { readonly: true });
  assert.equal(reader.pragma('integrity_check', { simple: true }), 'ok');
  reader.close();
});
