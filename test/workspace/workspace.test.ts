import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../agent/paths.ts';
import { changedReadonly, hashFiles } from '../../agent/workspace/readonly-guard.ts';
import { outsideGitDir, Workspace } from '../../agent/workspace/workspace.ts';
import { fastSandbox, tempDir } from '../helpers.ts';

const nodeModules = path.join(PACKAGE_ROOT, 'node_modules');

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isFile()) out[name] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

test('the workspace is a git copy of the sandbox; keep commits, revert resets, the source never changes', async () => {
  const sandbox = fastSandbox();
  const before = snapshot(sandbox);
  const { workspace, commit: baseline } = await Workspace.create(sandbox, path.join(tempDir(), 'ws'), nodeModules);
  assert.ok(fs.lstatSync(path.join(workspace.dir, 'node_modules')).isSymbolicLink());

  workspace.write('train.mjs', workspace.read('train.mjs').replace('lr: 0.03', 'lr: 0.06'));
  fs.writeFileSync(path.join(workspace.dir, 'notes.txt'), 'new file\n');
  const diff = await workspace.diff();
  assert.match(diff, /- {2}lr: 0\.03, /);
  assert.match(diff, /\+ {2}lr: 0\.06, /);
  assert.match(diff, /notes\.txt/);
  assert.doesNotMatch(diff, /node_modules/);

  // Revert: back to the last kept commit, new files gone.
  await workspace.resetTo(baseline);
  assert.match(workspace.read('train.mjs'), /lr: 0\.03,/);
  assert.ok(!fs.existsSync(path.join(workspace.dir, 'notes.txt')));
  assert.ok(fs.existsSync(path.join(workspace.dir, 'node_modules')), 'the dependency link survives a reset');

  // The stored diff re-applies exactly, and keep makes it the new HEAD.
  await workspace.apply(diff);
  await workspace.resetTo(baseline);
  const kept = await workspace.commitChange(baseline, diff, 'experiment 1: lr 0.06', '2026-12-02T06:00:00.000Z');
  assert.notEqual(kept, baseline);
  assert.equal(await workspace.git.head(), baseline, 'making the commit moves no branch');
  // The same change on the same parent is the same commit: a keep measured ahead of its verdict is the kept commit.
  assert.equal(await workspace.commitChange(baseline, diff, 'experiment 1: lr 0.06', '2026-12-02T06:00:00.000Z'), kept);
  assert.notEqual(await workspace.commitChange(baseline, diff, 'experiment 1: lr 0.06', '2026-12-02T06:00:01.000Z'), kept);
  await workspace.resetTo(kept);
  assert.equal(await workspace.git.head(), kept);
  assert.match(workspace.read('train.mjs'), /lr: 0\.06,/);
  assert.ok(fs.existsSync(path.join(workspace.dir, 'notes.txt')));
  assert.equal((await workspace.diff()).trim(), '');
  const log = await workspace.git.run(['log', '--format=%s']);
  assert.deepEqual(log.trim().split('\n'), ['experiment 1: lr 0.06', 'baseline: the sandbox as given']);

  assert.deepEqual(snapshot(sandbox), before, 'the source sandbox is untouched');
});

test('read-only files are hash-checked, deletion included', () => {
  const dir = fastSandbox();
  const hashes = hashFiles(dir, ['data.mjs', 'nightshift.json']);
  assert.deepEqual(changedReadonly(dir, hashes), []);
  fs.appendFileSync(path.join(dir, 'data.mjs'), '\n// tampered\n');
  assert.deepEqual(changedReadonly(dir, hashes), ['data.mjs']);
  fs.rmSync(path.join(dir, 'nightshift.json'));
  assert.deepEqual(changedReadonly(dir, hashes), ['data.mjs', 'nightshift.json']);
});

test('creating a workspace over a non-empty folder is refused', async () => {
  const target = tempDir();
  fs.writeFileSync(path.join(target, 'x'), 'x');
  await assert.rejects(Workspace.create(fastSandbox(), target, nodeModules), /already exists and is not empty/);
});

test('the repository lives beside the work tree: a script that deletes its whole workspace loses nothing', async () => {
  const dir = path.join(tempDir(), 'ws');
  const { workspace, commit } = await Workspace.create(fastSandbox(), dir, nodeModules);
  assert.ok(!fs.existsSync(path.join(dir, '.git')), 'no .git inside the work tree');
  assert.ok(fs.existsSync(path.join(outsideGitDir(dir), 'HEAD')));
  const files = snapshot(dir);

  fs.rmSync(dir, { recursive: true, force: true });
  await workspace.resetTo(commit);
  assert.deepEqual(snapshot(dir), files);
  assert.equal(fs.readlinkSync(path.join(dir, 'node_modules')), nodeModules, 'the dependency link is back');

  // Resumed by a new agent after the wipe: opened from the repository beside it.
  fs.rmSync(dir, { recursive: true, force: true });
  const reopened = Workspace.open(dir, nodeModules);
  await reopened.resetTo(commit);
  assert.deepEqual(snapshot(dir), files);
  assert.equal((await reopened.git.run(['status', '--porcelain'])).trim(), '');
});

test('a workspace made with .git inside (before the repository moved out) still opens and resets', async () => {
  const dir = path.join(tempDir(), 'old');
  fs.cpSync(fastSandbox(), dir, { recursive: true });
  const env = { ...process.env, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' };
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-qm', 'baseline'],
  ])
    execFileSync('git', args, { cwd: dir, env });
  const workspace = Workspace.open(dir);
  const head = await workspace.git.head();
  fs.writeFileSync(path.join(dir, 'train.mjs'), 'broken');
  await workspace.resetTo(head);
  assert.doesNotMatch(workspace.read('train.mjs'), /^broken$/);
  assert.ok(!fs.existsSync(outsideGitDir(dir)));
  assert.throws(() => Workspace.open(path.join(tempDir(), 'nothing')), /missing or not a git repository/);
});
