import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { initSandbox } from '../../agent/init/init-sandbox.ts';
import { loadSandbox } from '../../agent/config/load.ts';
import { ROOT, tempDir } from './run-sandbox.ts';

test('init --template tfjs writes the sandbox, without node_modules, into a new folder', async () => {
  const dir = path.join(tempDir('ns-init-'), 'deep', 'new');
  const files = await initSandbox(dir, 'tfjs');
  for (const f of ['train.ts', 'prepare.ts', 'evaluate.ts', 'source.ts', 'source.json', 'backend.ts', 'nightshift.json', 'README.md']) {
    assert.ok(files.includes(f), `missing ${f}`);
    assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), fs.readFileSync(path.join(ROOT, 'sandbox', f), 'utf8'));
  }
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules')));
  assert.deepEqual(files, [...files].sort());
  assert.equal(loadSandbox(dir).config.command, 'node --import @nightshift/helpers/register train.ts');
});

test('init --template torch writes the PyTorch template into an empty folder', async () => {
  const dir = tempDir('ns-init-');
  const files = await initSandbox(dir, 'torch');
  assert.deepEqual(files, ['README.md', 'evaluate.py', 'nightshift.json', 'prepare.py', 'source.json', 'source.py', 'train.py']);
  const sandbox = loadSandbox(dir);
  assert.equal(sandbox.config.command, 'python3 train.py');
  assert.deepEqual(sandbox.config.editable, ['train.py']);
});

test('init refuses a folder that is not empty, or a file, in one sentence', async () => {
  const dir = tempDir('ns-init-');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  await assert.rejects(initSandbox(dir, 'tfjs'), { message: `${dir} is not empty; nightshift init writes a sandbox only into a new or empty folder.` });
  assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
  await assert.rejects(initSandbox(path.join(dir, 'notes.txt'), 'torch'), /exists and is not a folder\.$/);
});
