import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fastSandbox, readLog, tempDir, waitFor } from '../helpers.ts';
import { nightshift } from './cli.ts';

test('an agent stopped (SIGSTOP) while its run ends, then resumed, records the run as done, not as a timeout', async () => {
  // The run takes 3 s; the kill would come at budget + grace = 4 s; the agent is stopped for 6 s meanwhile.
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  const slow = `await new Promise((r) => setTimeout(r, 3000));\n`;
  const db = path.join(tempDir(), 'log.db');
  const agent = nightshift([
    'run',
    '--sandbox',
    fastSandbox({ 'train.mjs': slow + fs.readFileSync(train, 'utf8') }),
    '--db',
    db,
    '--budget',
    '1',
    '--grace',
    '3',
    '--max-runs',
    '1',
    '--baseline-runs',
    '1',
    '--headless',
  ]);
  await waitFor(() => readLog(db).rows.some((e) => e.status === 'running'), 20_000, 'the run');
  const pid = readLog(db).sessions[0]!.agent_pid!;
  process.kill(pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 6000));
  process.kill(pid, 'SIGCONT');
  const result = await agent;
  assert.equal(result.exitCode, 0, String(result.all));
  const [run] = readLog(db).rows;
  assert.equal(run!.status, 'done', run!.reason ?? '');
  assert.ok(run!.run_s! < 5, `run_s ${run!.run_s} leaves out the 6 s the agent was stopped`);
});
