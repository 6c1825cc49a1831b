import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../agent/paths.ts';
import { gitEnvironment } from '../../agent/workspace/git.ts';
import { changedReadonly, hashFiles } from '../../agent/workspace/readonly-guard.ts';
import { outsideGitDir, Workspace } from '../../agent/workspace/workspace.ts';
import { fastSandbox, tempDir } from '../helpers.ts';

const nodeModules = path.join(PACKAGE_ROOT, 'node_modules');

const HOOKS = [
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'post-checkout',
  'post-merge',
  'post-rewrite',
  'reference-transaction',
  'post-index-change',
  'pre-auto-gc',
];

test('hooks planted in workspace.git never run during keep, revert, diff or apply', async () => {
  const dir = path.join(tempDir(), 'ws');
  const { workspace, commit } = await Workspace.create(fastSandbox(), dir, nodeModules);
  const witness = path.join(tempDir(), 'hook-ran');
  const hooks = path.join(outsideGitDir(dir), 'hooks');
  fs.mkdirSync(hooks, { recursive: true });
  for (const hook of HOOKS) {
    fs.writeFileSync(path.join(hooks, hook), `#!/bin/sh\necho ${hook} >> '${witness}'\n`, { mode: 0o755 });
  }
  // A global hooks path, as a user's own config might set, is not read either.
  fs.appendFileSync(path.join(outsideGitDir(dir), 'config'), `[core]\n\thooksPath = ${hooks}\n`);

  fs.appendFileSync(path.join(dir, 'train.mjs'), '\n// a change\n');
  const patch = await workspace.diff();
  const kept = await workspace.commitChange(commit, patch, 'keep: a change', new Date().toISOString());
  await workspace.resetTo(commit);
  await workspace.apply(patch);
  await workspace.resetTo(kept);
  assert.ok(!fs.existsSync(witness), `a hook ran: ${fs.existsSync(witness) ? fs.readFileSync(witness, 'utf8') : ''}`);
});

test('git sees only PATH, HOME, LANG and its own variables: no secret of the agent reaches it', () => {
  const env = gitEnvironment({ PATH: '/bin', HOME: '/root', LANG: 'C', ANTHROPIC_API_KEY: 'sk-x', GH_TOKEN: 't', GIT_DIR: '/evil', EDITOR: 'vim' }, null);
  assert.deepEqual(
    Object.keys(env)
      .filter((k) => !k.startsWith('GIT_'))
      .sort(),
    ['HOME', 'LANG', 'PATH'],
  );
  assert.equal(env.GIT_DIR, undefined, 'an inherited GIT_DIR is not passed on');
  assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
  assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
});

test('a reset removes ignored files and nested repositories a run left, and makes the node_modules link anew', async () => {
  const dir = path.join(tempDir(), 'ws');
  const sandbox = fastSandbox({ '.gitignore': 'cache/\n*.ckpt\n' });
  const { workspace, commit } = await Workspace.create(sandbox, dir, nodeModules);
  fs.mkdirSync(path.join(dir, 'cache'));
  fs.writeFileSync(path.join(dir, 'cache', 'warm-start.bin'), 'weights');
  fs.writeFileSync(path.join(dir, 'model.ckpt'), 'weights');
  fs.mkdirSync(path.join(dir, 'nested', '.git'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'nested', '.git', 'HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(dir, 'nested', 'kept.txt'), 'from a run');
  // A run re-pointed the dependency link at something of its own.
  fs.rmSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(tempDir(), path.join(dir, 'node_modules'));

  await workspace.resetTo(commit);
  for (const left of ['cache', 'model.ckpt', 'nested']) assert.ok(!fs.existsSync(path.join(dir, left)), `${left} survived the reset`);
  assert.equal(fs.readlinkSync(path.join(dir, 'node_modules')), nodeModules);
  assert.ok(fs.existsSync(path.join(dir, '.gitignore')), 'tracked files stay');
});

test('the workspace never reads or writes through a link, even one pointing inside', async () => {
  const dir = path.join(tempDir(), 'ws');
  const { workspace } = await Workspace.create(fastSandbox(), dir, nodeModules);
  const outside = path.join(tempDir(), 'outside.txt');
  fs.writeFileSync(outside, 'untouched');
  fs.rmSync(path.join(dir, 'train.mjs'));
  fs.symlinkSync(outside, path.join(dir, 'train.mjs'));
  assert.throws(() => workspace.write('train.mjs', 'rewritten'), {
    name: 'UserError',
    message: 'train.mjs is a symbolic link; nightshift never reads or writes through links',
  });
  assert.throws(() => workspace.read('train.mjs'), /train\.mjs is a symbolic link/);
  assert.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
});

test('a read-only file swapped for a link to an identical copy counts as changed', () => {
  const dir = fastSandbox();
  const hashes = hashFiles(dir, ['data.mjs']);
  const copy = path.join(tempDir(), 'data.mjs');
  fs.copyFileSync(path.join(dir, 'data.mjs'), copy);
  fs.rmSync(path.join(dir, 'data.mjs'));
  fs.symlinkSync(copy, path.join(dir, 'data.mjs'));
  assert.deepEqual(changedReadonly(dir, hashes), ['data.mjs']);
});
