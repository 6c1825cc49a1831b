import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { prepareEvaluationFolder, snapshotEvaluationFiles } from '../../agent/measurement/evaluation-files.ts';
import { changedSince, treeState } from '../../agent/measurement/untouched.ts';
import { PACKAGE_ROOT } from '../../agent/paths.ts';
import { Checkouts } from '../../agent/workspace/checkouts.ts';
import { changedReadonly, hashFiles } from '../../agent/workspace/readonly-guard.ts';
import { outsideGitDir, Workspace } from '../../agent/workspace/workspace.ts';
import { fastSandbox, SEALED_SANDBOX, tempDir, workspaceGit } from '../helpers.ts';

const nodeModules = path.join(PACKAGE_ROOT, 'node_modules');

/** A session: its workspace (baseline committed), a change to train.mjs as a stored diff, and its checkouts. */
async function session(sandbox = fastSandbox(), exclude: string[] = []) {
  const root = tempDir();
  const { workspace, commit } = await Workspace.create(sandbox, path.join(root, 'workspace'), nodeModules, exclude);
  const diffFor = async (from: string, to: string) => {
    workspace.write('train.mjs', workspace.read('train.mjs').replace(from, to));
    const diff = await workspace.diff();
    await workspace.resetTo(commit);
    return diff;
  };
  return { root, workspace, commit, diffFor, checkouts: Checkouts.of(workspace) };
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    if (!name.startsWith('node_modules') && fs.lstatSync(full).isFile()) out[name] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
  }
  return out;
}

const worktrees = (workspace: string) => workspaceGit(workspace, 'worktree', 'list', '--porcelain');

test('a checkout is the base commit with the run diff applied, its history outside it, the session workspace untouched', async () => {
  const { root, workspace, commit, diffFor, checkouts } = await session();
  const diff = await diffFor('lr: 0.03', 'lr: 0.06');
  const before = files(workspace.dir);

  const checkout = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff });
  assert.equal(checkout.dir, path.join(root, 'runs', 'ns-1-2-1', 'checkout'));
  assert.equal(checkout.reused, false);
  assert.match(checkout.workspace.read('train.mjs'), /lr: 0\.06,/);
  assert.ok(!fs.existsSync(path.join(checkout.dir, '.git')), 'no .git inside the checkout: the history is out of the run reach');
  assert.equal(fs.readlinkSync(path.join(checkout.dir, 'node_modules')), nodeModules);
  assert.equal(checkout.modules, workspace.modules);
  assert.equal(await checkout.workspace.git.head(), commit);
  assert.equal(await checkout.workspace.diff(), diff, 'the checkout holds exactly the stored diff');
  assert.match(worktrees(workspace.dir), /checkout\nHEAD [0-9a-f]{40}\ndetached\nlocked/);

  assert.deepEqual(files(workspace.dir), before, 'the session workspace is untouched');
  assert.equal(workspaceGit(workspace.dir, 'status', '--porcelain'), '');
  assert.equal(await workspace.git.head(), commit);
});

test('checkouts of different changes exist at once, each with its own diff', async () => {
  const { commit, diffFor, checkouts } = await session();
  const diffs = [await diffFor('lr: 0.03', 'lr: 0.01'), await diffFor('lr: 0.03', 'lr: 0.1'), '']; // '' is the baseline itself
  const made = await Promise.all(diffs.map((diff, i) => checkouts.forRun({ name: `ns-1-${i + 1}-1`, commit, diff })));
  assert.match(made[0]!.workspace.read('train.mjs'), /lr: 0\.01,/);
  assert.match(made[1]!.workspace.read('train.mjs'), /lr: 0\.1,/);
  assert.match(made[2]!.workspace.read('train.mjs'), /lr: 0\.03,/);
  assert.deepEqual(checkouts.names(), ['ns-1-1-1', 'ns-1-2-1', 'ns-1-3-1']);
});

test('making a checkout of a sandbox of a few MB takes well under a second', async () => {
  const sandbox = fastSandbox();
  fs.mkdirSync(path.join(sandbox, 'data'));
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(sandbox, 'data', `shard-${i}.bin`), crypto.randomBytes(512 * 1024));
  const { commit, diffFor, checkouts } = await session(sandbox);
  const diff = await diffFor('lr: 0.03', 'lr: 0.06');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await checkouts.forRun({ name: `ns-1-${i}-1`, commit, diff });
    times.push(performance.now() - start);
  }
  const start = performance.now();
  await checkouts.remove('ns-1-0-1');
  const removeMs = performance.now() - start;
  const median = [...times].sort((a, b) => a - b)[2]!;
  console.log(`checkout of a 4 MB sandbox: median ${median.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}), remove ${removeMs.toFixed(0)} ms`);
  // About 0.3 s on a loaded 2-core machine; the bound catches a checkout that copies or checks out far more, not load.
  assert.ok(median < 2000, `a checkout took ${median} ms`);
});

test('after a restart a whole checkout is reused untouched; one for another diff or made in part is made again', async () => {
  const { root, workspace, commit, diffFor, checkouts } = await session();
  const diff = await diffFor('lr: 0.03', 'lr: 0.06');
  const first = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff });
  // The run is going: it wrote an artifact and changed its editable file.
  fs.writeFileSync(path.join(first.dir, 'artifact.txt'), 'written by the run\n');

  const again = await Checkouts.of(Workspace.open(workspace.dir, workspace.modules)).forRun({ name: 'ns-1-2-1', commit, diff });
  assert.equal(again.reused, true);
  assert.equal(again.dir, first.dir);
  assert.equal(fs.readFileSync(path.join(again.dir, 'artifact.txt'), 'utf8'), 'written by the run\n', 'a reused checkout is left as it was');

  // The same name asked for with another diff: the old one is gone, the new one made.
  const other = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff: await diffFor('lr: 0.03', 'lr: 0.2') });
  assert.equal(other.reused, false);
  assert.match(other.workspace.read('train.mjs'), /lr: 0\.2,/);
  assert.ok(!fs.existsSync(path.join(other.dir, 'artifact.txt')));

  // Made in part (the agent died before the marker was written): made again, one worktree entry only.
  fs.rmSync(path.join(root, 'runs', 'ns-1-2-1', 'checkout.json'));
  const remade = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff });
  assert.equal(remade.reused, false);
  assert.match(remade.workspace.read('train.mjs'), /lr: 0\.06,/);
  assert.equal(fs.readdirSync(path.join(outsideGitDir(workspace.dir), 'worktrees')).length, 1);

  // A folder left with no worktree entry at all (git killed before it made one).
  await checkouts.remove('ns-1-2-1');
  fs.mkdirSync(path.join(root, 'runs', 'ns-1-2-1', 'checkout'), { recursive: true });
  fs.writeFileSync(path.join(root, 'runs', 'ns-1-2-1', 'checkout', 'train.mjs'), 'half\n');
  assert.equal((await checkouts.forRun({ name: 'ns-1-2-1', commit, diff })).reused, false);
});

test('remove drops the checkout and prunes its worktree; the run folder keeps its other files', async () => {
  const { root, workspace, commit, checkouts } = await session();
  const checkout = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff: '' });
  fs.writeFileSync(path.join(root, 'runs', 'ns-1-2-1', 'output.log'), 'the run output\n');
  await checkouts.remove('ns-1-2-1');
  assert.ok(!fs.existsSync(checkout.dir));
  assert.ok(fs.existsSync(path.join(root, 'runs', 'ns-1-2-1', 'output.log')));
  assert.doesNotMatch(worktrees(workspace.dir), /ns-1-2-1/);
  assert.deepEqual(checkouts.names(), []);
  await checkouts.remove('ns-1-2-1');
  await checkouts.remove('ns-9-9-9');
  assert.ok(fs.existsSync(nodeModules), 'the linked modules were never followed');
});

test('sweep keeps the runs still in flight and removes the rest, entries of vanished checkouts included', async () => {
  const { workspace, commit, checkouts } = await session();
  for (const name of ['ns-1-1-1', 'ns-1-2-1', 'ns-1-3-1']) await checkouts.forRun({ name, commit, diff: '' });
  // A checkout deleted by hand: its worktree entry is left behind.
  fs.rmSync(path.join(checkouts.root, 'ns-1-3-1'), { recursive: true });
  assert.deepEqual(await checkouts.sweep(['ns-1-2-1']), ['ns-1-1-1']);
  assert.deepEqual(checkouts.names(), ['ns-1-2-1']);
  assert.deepEqual(fs.readdirSync(path.join(outsideGitDir(workspace.dir), 'worktrees')).length, 1);
});

test('a diff that does not apply, a bad name or a short commit leave nothing behind', async () => {
  const { workspace, commit, checkouts } = await session();
  const broken = 'diff --git a/train.mjs b/train.mjs\n--- a/train.mjs\n+++ b/train.mjs\n@@ -1,1 +1,1 @@\n-no such line\n+other\n';
  await assert.rejects(checkouts.forRun({ name: 'ns-1-2-1', commit, diff: broken }));
  assert.deepEqual(checkouts.names(), []);
  assert.ok(
    !fs.existsSync(path.join(outsideGitDir(workspace.dir), 'worktrees')) || fs.readdirSync(path.join(outsideGitDir(workspace.dir), 'worktrees')).length === 0,
  );
  await assert.rejects(checkouts.forRun({ name: '../escape', commit, diff: '' }), /cannot be made for run "\.\.\/escape": name: must be letters/);
  await assert.rejects(checkouts.forRun({ name: 'ns-1', commit: commit.slice(0, 8), diff: '' }), /commit: must be a full commit hash/);
  assert.throws(() => checkouts.dirOf('a/b'), /is not a run name/);
});

test('a run that wrecks its checkout harms neither the history, nor the modules, nor the removal; hooks never run', async () => {
  const { workspace, commit, checkouts } = await session();
  const witness = path.join(tempDir(), 'hook-ran');
  const hooks = path.join(outsideGitDir(workspace.dir), 'hooks');
  fs.mkdirSync(hooks, { recursive: true });
  for (const hook of ['post-checkout', 'post-index-change', 'reference-transaction']) {
    fs.writeFileSync(path.join(hooks, hook), `#!/bin/sh\necho ${hook} >> '${witness}'\n`, { mode: 0o755 });
  }
  const checkout = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff: '' });
  assert.ok(!fs.existsSync(witness), 'a hook ran while the checkout was made');

  // The run deletes everything it can, re-points the link and plants a .git leading elsewhere.
  for (const name of fs.readdirSync(checkout.dir)) fs.rmSync(path.join(checkout.dir, name), { recursive: true, force: true });
  fs.symlinkSync('/', path.join(checkout.dir, 'node_modules'));
  fs.writeFileSync(path.join(checkout.dir, '.git'), 'gitdir: /nonexistent\n');
  assert.equal(checkout.modules, nodeModules, 'what the link should be is known whatever the run did to it');
  await checkouts.remove('ns-1-2-1');
  assert.ok(!fs.existsSync(checkout.dir));
  assert.equal(workspaceGit(workspace.dir, 'rev-parse', 'HEAD'), commit);
  assert.equal(workspaceGit(workspace.dir, 'status', '--porcelain'), '');
  const again = await checkouts.forRun({ name: 'ns-1-2-2', commit, diff: '' });
  assert.ok(fs.existsSync(path.join(again.dir, 'train.mjs')));
});

test('a sealed session: the checkout lacks the hidden files, and the measurement helpers work on it as on the workspace', async () => {
  const sandbox = fastSandbox({}, SEALED_SANDBOX);
  const hidden = ['evaluate.mjs', 'validation.mjs'];
  const { root, commit, diffFor, checkouts } = await session(sandbox, hidden);
  const checkout = await checkouts.forRun({ name: 'ns-1-2-1', commit, diff: await diffFor('lr: 0.03', 'lr: 0.07') });
  for (const file of hidden) assert.ok(!fs.existsSync(path.join(checkout.dir, file)), `${file} is not in the checkout`);

  // The read-only guard and the tree check read a checkout's dir as they read the workspace's.
  const hashes = hashFiles(sandbox, ['data.mjs']);
  assert.deepEqual(changedReadonly(checkout.dir, hashes), []);
  const before = treeState(checkout.dir, ['train.mjs']);
  fs.appendFileSync(path.join(checkout.dir, 'data.mjs'), '// tampered by the run\n');
  assert.deepEqual(changedSince(checkout.dir, ['train.mjs'], before), ['data.mjs']);

  // The evaluation folder is filled from the session snapshot, with the checkout's modules.
  const snapshot = path.join(root, 'evaluation');
  const evalHashes = snapshotEvaluationFiles(sandbox, ['data.mjs', ...hidden], snapshot);
  const folder = path.join(root, 'evaluation-runs', '1');
  assert.deepEqual(prepareEvaluationFolder(snapshot, evalHashes, folder, checkout.modules), []);
  assert.equal(fs.readlinkSync(path.join(folder, 'node_modules')), nodeModules);
  assert.ok(fs.existsSync(path.join(folder, 'evaluate.mjs')));
});

test('a workspace made with .git inside (older sessions) gives checkouts too', async () => {
  const sandbox = fastSandbox();
  const dir = path.join(tempDir(), 'workspace');
  fs.cpSync(sandbox, dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'baseline');
  const workspace = Workspace.open(dir);
  const checkout = await Checkouts.of(workspace).forRun({ name: 'ns-1-1-1', commit: git('rev-parse', 'HEAD'), diff: '' });
  assert.ok(fs.existsSync(path.join(checkout.dir, 'train.mjs')));
  assert.ok(!fs.existsSync(path.join(checkout.dir, '.git')));
});
