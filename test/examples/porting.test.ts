/**
 * The worked example of README's "Porting an existing script" (examples/porting): its diff is the
 * one its script makes now, its data split is the plain script's text, and the ported project
 * runs through the real loop, with Debian's python3 and torch, at the separate seal level.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readLog, tempDir } from '../helpers.ts';
import { EXAMPLE, exampleEnv, noTorch } from './porting-project.ts';
import { nightshift } from '../cli/cli.ts';

const read = (file: string) => fs.readFileSync(path.join(EXAMPLE, file), 'utf8');

test('port.diff is what port-diff.sh makes of before/ and after/ now', () => {
  const made = execFileSync('sh', [path.join(EXAMPLE, 'port-diff.sh')], { encoding: 'utf8' });
  assert.ok(made.includes('+++ after/train.py') && made.includes('+++ after/evaluate.py'), made.slice(0, 300));
  assert.equal(read('port.diff'), made, 'port.diff is stale: sh examples/porting/port-diff.sh > examples/porting/port.diff');
});

test("the port moved the plain script's last tenth of text into the hidden val.txt and left the model as it was", () => {
  assert.equal(read('after/input.txt') + read('after/val.txt'), read('before/input.txt'));
  assert.equal(read('after/model.py'), read('before/model.py'));
  const config = JSON.parse(read('after/nightshift.json'));
  assert.deepEqual(config.hidden, ['val.txt']);
  assert.ok(config.readonly.includes('evaluate.py') && !config.editable.includes('evaluate.py'));
});

test("the ported project runs through the loop: two runs on two seeds, the metric from evaluate.py, the second on the first run's step plan", {
  skip: noTorch,
  timeout: 240_000,
}, async () => {
  const work = tempDir('ns-porting-');
  const sandbox = path.join(work, 'after');
  fs.cpSync(path.join(EXAMPLE, 'after'), sandbox, { recursive: true });
  const db = path.join(work, 'experiments.db');
  const result = await nightshift(['run', '--sandbox', sandbox, '--budget', '4', '--max-runs', '2', '--db', db, '--headless', '--proposer', 'planner'], {
    env: exampleEnv(),
  });
  assert.equal(result.exitCode, 0, result.all);
  const { sessions, rows } = readLog(db);
  assert.equal(sessions[0]!.seal, 'separate');
  assert.equal(rows.length, 2, result.all);
  for (const row of rows) assert.equal(row.status, 'done', `${row.reason}\n${result.all}`);
  const [first, second] = rows.map((row) => ({ metric: row.metric!, final: JSON.parse(row.final_json!), evaluation: JSON.parse(row.eval_json!) }));
  assert.notEqual(first!.metric, second!.metric, 'two seeds give two values');
  assert.equal(first!.evaluation.val_loss, first!.metric);
  assert.equal(first!.evaluation.chars, read('after/val.txt').length - 1);
  assert.equal(second!.final.planned_steps, first!.final.planned_steps, 'the second run trains the plan the first one made');
  assert.ok(first!.final.train_loss < 4.2, `it learned something: ${first!.final.train_loss}`);
});
