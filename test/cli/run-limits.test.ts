import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { limitMechanism } from '../../agent/runner/isolation/limits.ts';
import { fastSandbox, readLog, tempDir } from '../helpers.ts';
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
    '--max-experiments',
    '2',
    '--baseline-runs',
    '2',
    '--disk-quota',
    '0.01',
    '--headless',
  ]);
  assert.equal(result.exitCode, 0, String(result.all));
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
    '--max-experiments',
    '1',
    '--baseline-runs',
    '1',
    '--max-processes',
    '24',
    '--headless',
  ]);
  assert.equal(result.exitCode, 0, String(result.all));
  const [run] = readLog(db).rows;
  assert.equal(run!.status, 'crashed', run!.reason ?? '');
  assert.match(run!.reason!, /the process limit \(24\) was reached/);
});
