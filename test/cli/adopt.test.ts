/**
 * `nightshift adopt` through the real CLI: the worked example's plain script (examples/porting/before)
 * gets a line for each missing piece, its ported version (after/) is ready, both checked by real
 * runs of Debian's python3 with torch; and the flags' errors, which need no run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { completeConfig } from '../../agent/adopt/project-config.ts';
import { exampleEnv, EXAMPLE, noTorch } from '../examples/porting-project.ts';
import { tempDir } from '../helpers.ts';
import { nightshift } from './cli.ts';

function copyOf(project: 'before' | 'after'): string {
  const dir = path.join(tempDir('ns-adopt-'), project);
  fs.cpSync(path.join(EXAMPLE, project), dir, { recursive: true });
  return dir;
}

const PLAIN_FLAGS = [
  '--command',
  'python3 train.py',
  '--metric',
  'val_loss',
  '--goal',
  'minimize',
  '--editable',
  'train.py,model.py',
  '--readonly',
  'input.txt',
];

test('adopt on the plain script writes nightshift.json, says so, and lists each missing piece with its fix', {
  skip: noTorch,
  timeout: 240_000,
}, async () => {
  const dir = copyOf('before');
  const before = fs.readdirSync(dir).sort();
  const result = await nightshift(['adopt', dir, ...PLAIN_FLAGS, '--check-budget', '5'], { env: exampleEnv() });
  assert.equal(result.exitCode, 1, result.all);
  const lines = result.all.split('\n');
  assert.equal(lines[0], `wrote ${path.join(dir, 'nightshift.json')}`);
  const missing = lines.filter((l) => l.startsWith('missing: '));
  assert.equal(missing.length, 3, result.all);
  assert.match(missing[0]!, /no @ns lines, so no final val_loss: .*ns\.report_final\(val_loss=/);
  assert.match(missing[1]!, /the seed is ignored: seeds 1 and 2 printed the same numbers/);
  assert.match(missing[2]!, /no budget handling: .*ns\.plan_steps/);
  assert.ok(
    lines.some((l) => l.startsWith('note: seal: self-reported')),
    result.all,
  );
  assert.ok(
    lines.some((l) => l.startsWith('note: no @knob or @ablate markers')),
    result.all,
  );
  assert.match(result.all, /not ready: 3 to fix/);
  // The only file adopt wrote, and what it wrote.
  assert.deepEqual(fs.readdirSync(dir).sort(), [...before, 'nightshift.json'].sort());
  const written = JSON.parse(fs.readFileSync(path.join(dir, 'nightshift.json'), 'utf8'));
  assert.deepEqual(written, { command: 'python3 train.py', metric: 'val_loss', goal: 'minimize', editable: ['train.py', 'model.py'], readonly: ['input.txt'] });
});

test('adopt on the ported script checks its nightshift.json as it is and says it is ready, at the separate level', {
  skip: noTorch,
  timeout: 240_000,
}, async () => {
  const dir = copyOf('after');
  const shipped = fs.readFileSync(path.join(dir, 'nightshift.json'), 'utf8');
  const result = await nightshift(['adopt', dir, '--check-budget', '5'], { env: exampleEnv() });
  assert.equal(result.exitCode, 0, result.all);
  assert.match(result.all, /^checking .*nightshift\.json as it is$/m);
  const runs = [...result.all.matchAll(/^seed (\d): done after [\d.]+ s, val_loss ([\d.]+)$/gm)];
  assert.equal(runs.length, 2, result.all);
  assert.notEqual(runs[0]![2], runs[1]![2], 'two seeds, two values');
  assert.doesNotMatch(result.all, /^missing:/m);
  assert.match(result.all, /^note: seal: separate/m);
  assert.match(result.all, /^ready: nightshift run --sandbox /m);
  assert.equal(fs.readFileSync(path.join(dir, 'nightshift.json'), 'utf8'), shipped);
});

test('adopt without a terminal names the missing flags in one line, and keeps an existing nightshift.json without --force', async () => {
  const dir = copyOf('before');
  const missing = await nightshift(['adopt', dir, '--metric', 'val_loss']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.all, /^nightshift: adopt needs --command, --goal, --editable \(no terminal to ask on\), e\.g\. nightshift adopt /);
  assert.equal(missing.all.trim().split('\n').length, 1);
  assert.ok(!fs.existsSync(path.join(dir, 'nightshift.json')));

  const bad = await nightshift(['adopt', dir, ...PLAIN_FLAGS.slice(0, 6), '--editable', 'trian.py']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.all, /lists trian\.py, which is not in the sandbox \(nightshift\.json not written\)/);
  assert.ok(!fs.existsSync(path.join(dir, 'nightshift.json')));

  fs.writeFileSync(path.join(dir, 'nightshift.json'), '{"mine": true}\n');
  const kept = await nightshift(['adopt', dir, ...PLAIN_FLAGS]);
  assert.equal(kept.exitCode, 2);
  assert.match(kept.all, /nightshift\.json exists; --force replaces it/);
  assert.equal(fs.readFileSync(path.join(dir, 'nightshift.json'), 'utf8'), '{"mine": true}\n');

  const goal = await nightshift(['adopt', dir, '--goal', 'lower']);
  assert.match(goal.all, /^nightshift: --goal must be minimize or maximize$/m);
  const help = await nightshift(['adopt', '--help']);
  assert.equal(help.exitCode, 0);
  assert.match(help.all, /^usage: nightshift adopt DIR/);
  const list = await nightshift(['--help']);
  assert.match(list.all, /^ {2}adopt +nightshift\.json for an existing training script/m);
});

test('on a terminal, what the flags leave out is asked, an empty answer taking the suggestion (the script the command names)', async () => {
  const dir = copyOf('before');
  const prompts: string[] = [];
  const typed: Record<string, string> = { 'metric its final line reports [val_loss]: ': 'val_bpb' };
  const config = await completeConfig(dir, { goal: 'minimize' }, async (prompt) => {
    prompts.push(prompt);
    return typed[prompt] ?? '';
  });
  assert.deepEqual(prompts, [
    'command that trains [python3 train.py]: ',
    'metric its final line reports [val_loss]: ',
    'files experiments may edit (comma-separated) [train.py]: ',
    'read-only files: data, evaluation (comma-separated, none if empty): ',
  ]);
  assert.deepEqual(config, { goal: 'minimize', command: 'python3 train.py', metric: 'val_bpb', editable: ['train.py'], readonly: [] });
});
