import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { SessionOptions } from '../../agent/loop/options.ts';
import { fastSandbox, readLog, SEALED_SANDBOX, tempDir } from '../helpers.ts';
import { nightshift } from './cli.ts';

/** A night of the real loop on the fast sandbox: a baseline of 3 and two ablations of 2 runs each. */
const db = path.join(tempDir(), 'log.db');
// Made here, not in the hook: a temporary folder lives as long as the scope that made it.
const sandbox = fastSandbox();
before(async () => {
  const night = await nightshift([
    'run',
    '--sandbox',
    sandbox,
    '--db',
    db,
    '--budget',
    '5',
    '--baseline-runs',
    '3',
    '--ablation-runs',
    '2',
    '--max-experiments',
    '2',
  ]);
  assert.equal(night.exitCode, 0, String(night.all));
});

/** Exit non-zero with one line on stderr. */
async function refused(args: string[], pattern: RegExp) {
  const result = await nightshift(['rerun', ...args]);
  assert.notEqual(result.exitCode, 0);
  const lines = String(result.stderr).trim().split('\n');
  assert.equal(lines.length, 1, String(result.stderr));
  assert.match(lines[0]!, pattern);
}

test('rerun re-measures a change and its base on fresh seeds, logs the runs, and says that they agree', async () => {
  const night = readLog(db).rows;
  const ablation = night.find((r) => r.kind === 'ablation' && r.description.includes('features'))!;
  const confirm = night.find((r) => r.kind === 'confirm' && r.parent_id === ablation.id)!;
  const result = await nightshift(['rerun', String(confirm.id), '--db', db, '--seeds', '3']);
  assert.equal(result.exitCode, 0, String(result.all));
  const out = String(result.stdout);
  assert.match(out, new RegExp(`^#${confirm.id} is a confirmation run of #${ablation.id}: re-measuring #${ablation.id}$`, 'm'));
  assert.match(
    out,
    new RegExp(`^re-measuring #${ablation.id} of session 1 \\(.*logged over 2 runs against \\d+ of its base\\): .* on seeds \\d+, \\d+, \\d+$`, 'm'),
  );
  assert.match(out, new RegExp(`^#\\d+ baseline started: base of #${ablation.id}, seed \\d+$`, 'm'));
  assert.match(out, new RegExp(`^#${ablation.id}: (agrees|shifted)$`, 'm'));

  const { sessions, rows } = readLog(db);
  assert.equal(sessions.length, 2);
  const rerun = sessions[1]!;
  assert.equal(rerun.status, 'finished');
  assert.equal((JSON.parse(rerun.options_json) as SessionOptions).rerunOf, ablation.id);
  assert.equal(rerun.sandbox, sessions[0]!.sandbox);
  const mine = rows.filter((r) => r.session_id === rerun.id);
  assert.deepEqual(
    mine.map((r) => [r.kind, r.status]),
    [
      ['baseline', 'done'],
      ['ablation', 'done'],
      ['baseline', 'done'],
      ['confirm', 'done'],
      ['baseline', 'done'],
      ['confirm', 'done'],
    ],
  );
  // Fresh seeds, shared by the base and the change; none the night used.
  const used = new Set(night.map((r) => r.seed));
  assert.ok(mine.every((r) => !used.has(r.seed)));
  assert.deepEqual(
    mine.filter((r) => r.kind === 'baseline').map((r) => r.seed),
    mine.filter((r) => r.kind !== 'baseline').map((r) => r.seed),
  );
  const candidate = mine[1]!;
  assert.equal(candidate.diff, ablation.diff);
  assert.equal(candidate.decision, 'revert', 'never a keep candidate');
  assert.equal(candidate.n_runs, 3, 'the verdict counts every run of the change');
  assert.match(
    candidate.reason!,
    new RegExp(`^re-measure of #${ablation.id}, not a keep candidate: (agrees with the log|the effect agrees).*Δ .* now vs .* logged`),
  );
  assert.ok(Math.abs(candidate.delta! - ablation.delta!) < 3 * candidate.noise_sd!, 'the same effect');
  assert.ok(mine.every((r) => r.base_commit === rerun.baseline_commit));

  // The night stays the morning's default: not the rerun, nor a later session with no experiments.
  const copy = path.join(tempDir(), 'log.db');
  fs.copyFileSync(db, copy);
  const raw = new Database(copy);
  raw
    .prepare(
      `INSERT INTO sessions (status, started_at, sandbox, workspace, command, metric, goal, proposer, decision_rule, budget_s, options_json, readonly_json, seal)
       SELECT 'stopped', started_at, sandbox, '', command, metric, goal, proposer, decision_rule, budget_s, options_json, readonly_json, seal FROM sessions WHERE id = 1`,
    )
    .run();
  raw.close();
  const report = await nightshift(['report', '--format', 'json', '--db', copy]);
  assert.equal(JSON.parse(String(report.stdout)).session, 1, String(report.all));
  const log = await nightshift(['log', '--format', 'json', '--db', copy]);
  assert.deepEqual(
    (JSON.parse(String(log.stdout)) as { id: number }[]).map((e) => e.id),
    night.map((e) => e.id),
  );
});

test('a logged result the runs contradict is said to disagree, with exit 1', async () => {
  const copy = path.join(tempDir(), 'log.db');
  fs.copyFileSync(db, copy);
  const night = readLog(copy).rows.filter((r) => r.session_id === 1);
  const ablation = night.find((r) => r.kind === 'ablation' && r.description.includes('features'))!;
  // As if the night had logged a far better result for the change than it gives.
  const raw = new Database(copy);
  raw.prepare('UPDATE experiments SET metric = metric / 10 WHERE id = ? OR parent_id = ?').run(ablation.id, ablation.id);
  raw.prepare('UPDATE experiments SET delta = -delta WHERE id = ?').run(ablation.id);
  raw.close();
  const result = await nightshift(['rerun', String(ablation.id), '--db', copy, '--seeds', '2']);
  assert.equal(result.exitCode, 1, String(result.all));
  assert.match(String(result.stdout), new RegExp(`^#${ablation.id}: disagrees$`, 'm'));
  assert.match(String(result.stdout), /does not agree with the log: Δ/);
  // The first test's rerun of the same change drew other seeds: this one draws new ones again.
  const { rows } = readLog(copy);
  const earlier = new Set(rows.filter((r) => r.session_id === 2).map((r) => r.seed));
  assert.ok(rows.filter((r) => r.session_id === 3).every((r) => !earlier.has(r.seed)));
});

test('rerun refuses, in one line, an unknown id, a baseline run, a missing log, and a log without its workspace repository', async () => {
  const night = readLog(db).rows.filter((r) => r.session_id === 1);
  await refused(['999', '--db', db], /^nightshift: no experiment 999 in .*log\.db \(experiments 1–\d+\)$/);
  await refused([String(night[0]!.id), '--db', db], /^nightshift: experiment 1 is a baseline run, a measurement of its commit, not a change; /);
  await refused(['1', '--db', path.join(tempDir(), 'none.db')], /^nightshift: no log at .*none\.db$/);
  await refused(['x', '--db', db], /^nightshift: an experiment id is a whole number like 12, got 'x'$/);

  const copy = path.join(tempDir(), 'log.db');
  fs.copyFileSync(db, copy);
  const workspace = path.join(tempDir(), 'gone');
  const raw = new Database(copy);
  raw.prepare('UPDATE sessions SET workspace = ? WHERE id = 1').run(workspace);
  raw.close();
  const ablation = night.find((r) => r.kind === 'ablation')!;
  await refused(
    [String(ablation.id), '--db', copy],
    /^nightshift: the workspace repository of session 1 \(.*gone\.git\) is gone: rerun checks out #\d+'s base commit from it$/,
  );

  // A base commit its repository does not hold: refused, and the session made for it is not left running.
  const unknownBase = path.join(tempDir(), 'log.db');
  fs.copyFileSync(db, unknownBase);
  const edit = new Database(unknownBase);
  edit.prepare('UPDATE experiments SET base_commit = ? WHERE id = ?').run('0'.repeat(40), ablation.id);
  // And the first test's rerun as if its agent had died mid-way: it is ended, never resumed.
  edit.prepare(`UPDATE sessions SET status = 'running', agent_pid = 2147483646 WHERE id = 2`).run();
  edit.close();
  await refused([String(ablation.id), '--db', unknownBase], /^nightshift: #\d+'s base commit 0000000 is not in session 1's repository /);
  assert.ok(readLog(unknownBase).sessions.every((s) => s.status !== 'running'));

  // A change tested again (interrupted, or superseded by a keep): the id to rerun is its latest test's.
  const retried = path.join(tempDir(), 'log.db');
  fs.copyFileSync(db, retried);
  const later = new Database(retried);
  const last = night.at(-1)!;
  later.prepare(`UPDATE experiments SET retry_of = ? WHERE id = ?`).run(ablation.id, last.id);
  later.prepare(`UPDATE experiments SET decision = 'revert', reason = 'superseded: proposed on a and #9 was kept there first' WHERE id = ?`).run(ablation.id);
  later.close();
  await refused(
    [String(ablation.id), '--db', retried],
    new RegExp(`^nightshift: experiment ${ablation.id} was superseded by a keep; #${last.id} tested it again on the new baseline: rerun ${last.id}$`),
  );

  // Another live agent on the log: no rerun beside it.
  const busy = path.join(tempDir(), 'log.db');
  fs.copyFileSync(db, busy);
  const mark = new Database(busy);
  mark.prepare(`UPDATE sessions SET status = 'running', agent_pid = ? WHERE id = 1`).run(process.pid);
  mark.close();
  await refused([String(ablation.id), '--db', busy], new RegExp(`^nightshift: session 1 in .*log\\.db is being run by process ${process.pid}; `));
});

test('a sealed session is re-measured as it was scored: its evaluation files, copied and checked, score every run', async () => {
  const sealedDb = path.join(tempDir(), 'log.db');
  const night = await nightshift([
    'run',
    '--sandbox',
    fastSandbox({}, SEALED_SANDBOX),
    '--db',
    sealedDb,
    '--budget',
    '5',
    '--baseline-runs',
    '2',
    '--ablation-runs',
    '2',
    '--max-experiments',
    '1',
  ]);
  assert.equal(night.exitCode, 0, String(night.all));
  const ablation = readLog(sealedDb).rows.find((r) => r.kind === 'ablation')!;
  const result = await nightshift(['rerun', String(ablation.id), '--db', sealedDb, '--seeds', '2']);
  assert.ok(result.exitCode === 0 || result.exitCode === 1, String(result.all));
  assert.match(String(result.stdout), new RegExp(`^#${ablation.id}: (agrees|shifted|disagrees)$`, 'm'));
  const { sessions, rows } = readLog(sealedDb);
  assert.equal(sessions[1]!.seal, 'sealed');
  assert.equal(sessions[1]!.evaluation_json, sessions[0]!.evaluation_json);
  const mine = rows.filter((r) => r.session_id === 2);
  assert.equal(mine.length, 4);
  for (const r of mine) {
    assert.equal(r.status, 'done', r.reason ?? '');
    assert.ok(r.eval_json !== null, 'scored by the evaluation');
  }
});
