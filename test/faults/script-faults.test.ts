import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { fastSandbox, readLog, slowSandbox, tempDir, waitFor } from '../helpers.ts';
import { nightshift } from '../cli/cli.ts';
import { options, runLoop, scriptedEdits } from '../loop/harness.ts';

const probe = await probeBwrap();

/** Proposes one scripted change to train.mjs, then nothing. */
const rewriteOnce = (description: string, script: string) =>
  scriptedEdits({ description, apply: (workspace) => fs.writeFileSync(path.join(workspace, 'train.mjs'), script) });

for (const isolation of ['none', 'strict'] as const) {
  test(`a script that deletes its whole workspace is one bad run: the workspace is restored for the next (isolation ${isolation})`, {
    skip: isolation === 'strict' && !probe.usable ? `bubblewrap: ${probe.reason}` : false,
  }, async () => {
    const wipe = `import fs from 'node:fs';
for (const name of fs.readdirSync('.')) { try { fs.rmSync(name, { recursive: true, force: true }); } catch {} }
console.log('@ns {"final": true, "val_loss": 99}');`;
    // A control right after the (reverted) wipe runs the untouched script, which needs data.mjs.
    const { rows, workspace } = await runLoop(options(fastSandbox(), { maxExperiments: 4, baselineRuns: 2, controlEvery: 1, isolation }), {
      proposer: rewriteOnce('wipe the workspace', wipe),
    });
    const wiped = rows.find((r) => r.kind === 'llm')!;
    // Deleting files outside the editable ones breaks a rule of the measurement.
    assert.deepEqual([wiped.status, wiped.decision], ['invalid', 'revert']);
    assert.match(
      wiped.reason!,
      /^reverted: its run invalid \(it changed data\.mjs, nightshift\.json, node_modules during the run; only the editable files may change\)$/,
    );
    const next = rows.find((r) => r.id > wiped.id)!;
    assert.deepEqual([next.kind, next.status], ['control', 'done'], 'the run after it found its workspace whole');
    assert.ok(fs.existsSync(path.join(workspace.dir, 'data.mjs')), 'the workspace is back at its last kept commit');
    assert.ok(fs.existsSync(path.join(workspace.dir, 'node_modules')), 'with its dependency link');
    assert.equal((await workspace.git.run(['status', '--porcelain'])).trim(), '');
  });
}

test('a reader holding a long read transaction on the log never blocks the run', async () => {
  const db = path.join(tempDir(), 'log.db');
  const agent = nightshift(['run', '--sandbox', slowSandbox(200), '--db', db, '--budget', '5', '--max-runs', '6', '--baseline-runs', '6']);
  await waitFor(() => readLog(db).rows.length > 0, 20_000, 'the first run');
  const reader = new Database(db, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('SELECT COUNT(*) FROM experiments').get();
  const result = await agent;
  reader.exec('COMMIT');
  reader.close();
  assert.equal(result.exitCode, 0, String(result.all));
  assert.equal(readLog(db).rows.filter((r) => r.status === 'done').length, 6);
});

test('a second run on a log whose session is running refuses in one line, and the first is unharmed', async () => {
  const db = path.join(tempDir(), 'log.db');
  const sandbox = slowSandbox(1500);
  const first = nightshift(['run', '--sandbox', sandbox, '--db', db, '--budget', '5', '--max-runs', '3', '--baseline-runs', '3']);
  await waitFor(() => readLog(db).rows.length > 0, 20_000, 'the first run');
  const second = await nightshift(['run', '--sandbox', sandbox, '--db', db, '--budget', '5']);
  assert.equal(second.exitCode, 2);
  assert.match(String(second.stderr).trim(), /^nightshift: session 1 in .* is being run by process \d+; use 'nightshift watch' to follow it$/);
  const result = await first;
  assert.equal(result.exitCode, 0, String(result.all));
  assert.equal(readLog(db).rows.filter((r) => r.status === 'done').length, 3);
});
