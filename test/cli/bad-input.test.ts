import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { fastSandbox, tempDir } from '../helpers.ts';
import { nightshift } from './cli.ts';

/** Bad input: exit non-zero with exactly one line on stderr naming the problem, and no stack. */
async function refuses(args: string[], pattern: RegExp, cwd?: string) {
  const result = await nightshift(args, cwd ? { cwd } : {});
  assert.notEqual(result.exitCode, 0, `${args.join(' ')} should fail`);
  const lines = String(result.stderr).trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^nightshift: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(String(result.stderr), /\n\s+at /, 'no stack trace');
  // Said once: neither the prefix nor the command's name again, nor a flag named twice.
  assert.doesNotMatch(lines[0]!, /^nightshift: .*\bnightshift( \w+)?: /);
  assert.doesNotMatch(lines[0]!, /^nightshift: (run|watch|log|show|sql|report|export|init|compare|rerun)\b: /);
  assert.doesNotMatch(lines[0]!, /^nightshift: ([\w-]+): --\1\b/);
  return result;
}

test('unknown flags and commands are refused in one line', async () => {
  await refuses(['run', '--budgett', '5'], /Unknown option '--budgett'/);
  await refuses(['frobnicate'], /unknown command 'frobnicate'/);
  await refuses(['run', '--budget', 'soon'], /--budget must be a number/);
  await refuses(['run', '--max-experiments', '2.5'], /--max-experiments must be a whole number/);
  await refuses(['run', '--proposer', 'gpt'], /--proposer must be planner or claude/);
});

test('a missing sandbox, one without nightshift.json, or with an invalid one is refused', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'log.db');
  await refuses(['run', '--sandbox', path.join(dir, 'nope'), '--db', db], /sandbox .*nope does not exist/);
  fs.mkdirSync(path.join(dir, 'empty'));
  await refuses(['run', '--sandbox', path.join(dir, 'empty'), '--db', db], /has no nightshift\.json/);

  const broken = fastSandbox({ 'nightshift.json': '{"command": "node train.mjs", ' });
  await refuses(['run', '--sandbox', broken, '--db', db], /nightshift\.json is not valid JSON/);
  const wrongGoal = fastSandbox({ 'nightshift.json': JSON.stringify({ command: 'x', metric: 'm', goal: 'lower', editable: ['train.mjs'] }) });
  await refuses(['run', '--sandbox', wrongGoal, '--db', db], /nightshift\.json: goal: /);
  const missingFile = fastSandbox({ 'nightshift.json': JSON.stringify({ command: 'x', metric: 'm', goal: 'minimize', editable: ['nope.ts'] }) });
  await refuses(['run', '--sandbox', missingFile, '--db', db], /lists nope\.ts, which is not in the sandbox/);
  const outside = fastSandbox({ 'nightshift.json': JSON.stringify({ command: 'x', metric: 'm', goal: 'minimize', editable: ['../x.ts'] }) });
  await refuses(['run', '--sandbox', outside, '--db', db], /must be a relative path to a file inside the sandbox/);
});

test('a DB that is not SQLite, or from a newer schema, is refused and left untouched', async () => {
  const dir = tempDir();
  const notes = path.join(dir, 'notes.db');
  fs.writeFileSync(notes, 'not a database at all, just text that is long enough');
  await refuses(['run', '--sandbox', fastSandbox(), '--db', notes], /is not an SQLite database/);
  assert.equal(fs.readFileSync(notes, 'utf8'), 'not a database at all, just text that is long enough');

  const future = path.join(dir, 'future.db');
  const raw = new Database(future);
  raw.pragma('user_version = 999');
  raw.close();
  await refuses(['run', '--sandbox', fastSandbox(), '--db', future], /newer nightshift/);
});

test('a script that never prints a final metric fails every baseline run and says so', async () => {
  const sandbox = fastSandbox({ 'train.mjs': "export const config = {\n  lr: 1, // @knob 1 2\n};\nconsole.log('training, but never reporting');\n" });
  const result = await nightshift(['run', '--sandbox', sandbox, '--db', path.join(tempDir(), 'log.db'), '--budget', '5', '--baseline-runs', '2']);
  assert.equal(result.exitCode, 1);
  assert.match(String(result.stdout), /#1 baseline crashed .*without a final line/);
  assert.match(String(result.stdout), /session 1 stopped: every baseline run failed/);
});

test("every command's error is one line, said once", async () => {
  const db = path.join(tempDir(), 'none.db');
  await refuses(['init'], /^nightshift: init needs exactly one folder$/);
  await refuses(['show', '--db', db], /^nightshift: give one experiment id$/);
  await refuses(['show', 'abc', '--db', db], /^nightshift: an experiment id is a whole number like 12, got 'abc'$/);
  await refuses(['sql', '--db', db], /^nightshift: give exactly one query, in quotes$/);
  await refuses(['report', '--format', 'x', '--db', db], /^nightshift: --format must be md\b/);
  await refuses(['log', '--session', 'x', '--db', db], /^nightshift: --session must be a whole number ≥ 1$/);
  await refuses(['run', '--budget', 'x'], /^nightshift: --budget must be a number ≥ 1$/);
  await refuses(['rerun', '--db', db], /^nightshift: give one experiment id to re-measure$/);
});

test('--help prints the flags and exits 0', async () => {
  const top = await nightshift(['--help']);
  assert.equal(top.exitCode, 0);
  assert.match(String(top.stdout), /commands:/);
  const run = await nightshift(['run', '--help']);
  assert.equal(run.exitCode, 0);
  for (const flag of ['--sandbox', '--budget', '--max-experiments', '--proposer', '--db', '--headless', '--resume']) {
    assert.ok(String(run.stdout).includes(flag), flag);
  }
});

test('a malformed @knob marker is refused before the session starts, naming its line', async () => {
  const sandbox = fastSandbox({ 'train.mjs': 'export const config = {\n  lr: 0.1, // @knob 0.5..0.1\n};\n' });
  const db = path.join(tempDir(), 'log.db');
  await refuses(['run', '--sandbox', sandbox, '--db', db], /train\.mjs:2: @knob: bad range 0\.5\.\.0\.1/);
});

test('init writes a template into a new folder and refuses a non-empty one', async () => {
  const dir = path.join(tempDir(), 'mine');
  const made = await nightshift(['init', dir, '--template', 'torch']);
  assert.equal(made.exitCode, 0, String(made.all));
  assert.ok(fs.existsSync(path.join(dir, 'train.py')) && fs.existsSync(path.join(dir, 'nightshift.json')));
  await refuses(['init', dir], /is not empty/);
  await refuses(['init', dir, 'extra'], /needs exactly one folder/);
  await refuses(['init', dir, '--template', 'jax'], /--template must be tfjs or torch/);
});
