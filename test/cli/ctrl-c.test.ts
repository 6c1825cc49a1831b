import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { readLog, slowSandbox, tempDir, waitFor } from '../helpers.ts';
import { nightshift } from './cli.ts';

function rows(db: string) {
  const { sessions, rows: experiments } = readLog(db);
  return { experiments, session: sessions.at(-1) };
}

test('first Ctrl-C lets the run in flight finish, then the session stops cleanly', async () => {
  const db = path.join(tempDir(), 'log.db');
  const agent = nightshift(['run', '--sandbox', slowSandbox(1500), '--db', db, '--budget', '10']);
  await waitFor(() => rows(db).experiments.some((e) => e.status === 'running'), 20_000, 'a run');
  agent.kill('SIGINT');
  const result = await agent;
  assert.equal(result.exitCode, 0, String(result.all));
  assert.match(String(result.stdout), /stopping after the run in flight/);
  const { experiments, session } = rows(db);
  assert.deepEqual(
    experiments.map((e) => e.status),
    ['done'],
  );
  assert.equal(session!.status, 'stopped');
  assert.equal(session!.end_reason, 'stopped by the user');
});

test('a second Ctrl-C stops the run in flight and records it as interrupted; --resume re-runs it', async () => {
  const db = path.join(tempDir(), 'log.db');
  const sandbox = slowSandbox(5000);
  const agent = nightshift(['run', '--sandbox', sandbox, '--db', db, '--budget', '10']);
  await waitFor(() => rows(db).experiments.some((e) => e.status === 'running'), 20_000, 'a run');
  agent.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 200));
  agent.kill('SIGINT');
  const result = await agent;
  assert.equal(result.exitCode, 0, String(result.all));
  assert.match(String(result.stdout), /stopping now/);
  const first = rows(db);
  assert.deepEqual(
    first.experiments.map((e) => e.status),
    ['interrupted'],
  );
  assert.ok(first.experiments[0]!.run_s! < 5, 'it did not wait for the run');

  const resumed = await nightshift(['run', '--sandbox', sandbox, '--db', db, '--budget', '10', '--resume', '--max-runs', '1']);
  assert.equal(resumed.exitCode, 0, String(resumed.all));
  const after = rows(db);
  assert.deepEqual(
    after.experiments.map((e) => [e.kind, e.seed, e.status]),
    [
      ['baseline', 1, 'interrupted'],
      ['baseline', 1, 'done'],
    ],
  );
  assert.equal(after.session!.id, 1);
});
