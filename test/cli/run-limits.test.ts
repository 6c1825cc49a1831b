import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { limitMechanism } from '../../agent/runner/isolation/limits.ts';
import { fastSandbox, readLog, slowSandbox, tempDir } from '../helpers.ts';
import { nightshift } from './cli.ts';

const mechanism = await limitMechanism();

test('--disk-quota stops a run that fills its artifact folder, names the quota, and the session goes on', async () => {
  const filler = `import fs from 'node:fs';
for (let i = 0; i < 400; i++) { fs.writeFileSync(process.env.NIGHTSHIFT_OUT + '/blob' + i, Buffer.alloc(2 ** 20)); await new Promise((r) => setTimeout(r, 10)); }
console.log('@ns {"final": true, "val_loss": 1}');`;
  const db = path.join(tempDir(), 'log.db');
  const result = await nightshift([
    'run',
    '--sandbox',
    fastSandbox({ 'train.mjs': filler }),
    '--db',
    db,
    '--budget',
    '20',
    '--max-runs',
    '2',
    '--baseline-runs',
    '2',
    '--disk-quota',
    '0.01',
    '--headless',
  ]);
  // Both runs of the baseline crashed: the session cannot compare anything with it, and says so.
  assert.equal(result.exitCode, 1, String(result.all));
  assert.match(String(result.stdout), /session 1 stopped: every baseline run failed/);
  const rows = readLog(db).rows;
  assert.deepEqual(
    rows.map((r) => r.status),
    ['crashed', 'crashed'],
  );
  assert.match(rows[0]!.reason!, /^its disk quota \(10 MiB over the workspace and NIGHTSHIFT_OUT\) was reached/);
});

test('--max-processes stops a run that forks past it, and names the limit', {
  skip: mechanism.kind === 'ulimit' ? `no cgroup here (${mechanism.memory}); root ignores ulimit -u` : false,
}, async () => {
  const forker = `import { spawn } from 'node:child_process';
const kids = [];
try { for (let i = 0; i < 64; i++) kids.push(spawn('sleep', ['30'])); } catch (e) { console.error(String(e)); process.exit(1); }
await new Promise((r) => setTimeout(r, 2000));
console.log('@ns {"final": true, "val_loss": 1}');`;
  const db = path.join(tempDir(), 'log.db');
  const result = await nightshift([
    'run',
    '--sandbox',
    fastSandbox({ 'train.mjs': forker }),
    '--db',
    db,
    '--budget',
    '20',
    '--max-runs',
    '1',
    '--baseline-runs',
    '1',
    '--max-processes',
    '24',
    '--headless',
  ]);
  assert.equal(result.exitCode, 1, String(result.all));
  assert.match(String(result.stdout), /session 1 stopped: every baseline run failed/);
  const [run] = readLog(db).rows;
  assert.equal(run!.status, 'crashed', run!.reason ?? '');
  assert.match(run!.reason!, /the process limit \(24\) was reached/);
});

test('run --headless prints the plan and the limits, and --hours ends the night before a decision that cannot finish', async () => {
  const db = path.join(tempDir(), 'log.db');
  const args = ['run', '--sandbox', slowSandbox(600), '--db', db, '--budget', '2', '--grace', '1', '--baseline-runs', '2', '--ablation-runs', '2'];
  const result = await nightshift([...args, '--hours', '0.002', '--isolation', 'none', '--headless']);
  assert.equal(result.exitCode, 0, String(result.all));
  const lines = String(result.stdout).trim().split('\n');
  assert.match(lines[0]!, /^session 1 started: /);
  // The fast sandbox: two components with one ablation each, and two knobs.
  assert.match(
    lines[1]!,
    /^plan: baseline 2 runs, ablations 4 runs \(2×2\), interactions ≤ 6 runs \(1 pair \+ 2 re-measures, ×2\), knobs open-ended \(\d+ first moves[^)]*\); about 36 s for 12 runs at 3 s per run \(budget \+ grace until a run is measured\), more for the open-ended; limits: ends by \d\d:\d\d:\d\d \(7 s from now, about 2 runs\)$/,
  );
  assert.match(lines.at(-1)!, /^session 1 finished: the next (decision|run) would end after \d\d:\d\d:\d\d \(about \d+ s( for \d+ runs?)?, \d+ s left\)$/);
  const rows = readLog(db).rows;
  assert.ok(
    rows.every((r) => r.decision !== 'pending'),
    'no change is left half-decided',
  );
});

test('run --help lists the limits; a bad --until, a non-positive --hours, or both at once are refused in one line', async () => {
  const help = await nightshift(['run', '--help']);
  for (const flag of ['--max-experiments N', '--max-runs N', '--hours H', '--until HH:MM']) assert.ok(String(help.stdout).includes(flag), flag);
  for (const [args, pattern] of [
    [['--until', '25:00'], /--until must be a time of day, HH:MM/],
    [['--until', 'dawn'], /--until must be a time of day, HH:MM/],
    [['--hours', '0'], /--hours must be a number of hours > 0/],
    [['--hours', '8', '--until', '07:00'], /--hours and --until both set the end of the night; give one/],
    [['--max-runs', '0'], /--max-runs must be a whole number ≥ 1/],
  ] as const) {
    const result = await nightshift(['run', '--db', path.join(tempDir(), 'log.db'), ...args]);
    assert.notEqual(result.exitCode, 0);
    const stderr = String(result.stderr).trim().split('\n');
    assert.equal(stderr.length, 1, String(result.stderr));
    assert.match(stderr[0]!, pattern);
  }
});
