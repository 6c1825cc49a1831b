import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { outsideGitDir } from '../../agent/workspace/workspace.ts';
import { fastSandbox, readLog, REPO, tempDir } from '../helpers.ts';
import { nightshift } from './cli.ts';

/** Bad input: exit non-zero with exactly one line on stderr naming the problem, and no stack. */
function oneLine(result: { exitCode?: number | undefined; stderr: unknown }, pattern: RegExp): void {
  assert.notEqual(result.exitCode, 0, 'should fail');
  const lines = String(result.stderr).trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^nightshift: /);
  assert.match(lines[0]!, pattern);
}

/** Every file under `dir` with its hash: what "nothing was written" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    const stat = fs.lstatSync(full);
    if (stat.isFile()) out[name] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    else if (stat.isSymbolicLink()) out[name] = `-> ${fs.readlinkSync(full)}`;
  }
  return out;
}

const QUICK = ['--budget', '5', '--baseline-runs', '1', '--max-runs', '1', '--isolation', 'none'];

/** A finished one-run session on a fresh log: its path, sandbox and workspace. */
async function finishedSession(): Promise<{ db: string; sandbox: string; workspace: string }> {
  const sandbox = fastSandbox();
  const db = path.join(tempDir(), 'log.db');
  const result = await nightshift(['run', '--sandbox', sandbox, '--db', db, ...QUICK]);
  assert.equal(result.exitCode, 0, String(result.all));
  return { db, sandbox, workspace: readLog(db).sessions[0]!.workspace };
}

test('a symbolic link anywhere in the sandbox is refused at load, naming it; the file it points to is untouched', async () => {
  const outside = path.join(tempDir(), 'outside.mjs');
  fs.writeFileSync(outside, 'export const untouched = true;\n');
  const linked = fastSandbox();
  fs.rmSync(path.join(linked, 'train.mjs'));
  fs.symlinkSync(outside, path.join(linked, 'train.mjs'));
  const db = path.join(tempDir(), 'log.db');
  oneLine(await nightshift(['run', '--sandbox', linked, '--db', db, ...QUICK]), /holds a symbolic link, train\.mjs -> .*outside\.mjs/);
  assert.equal(fs.readFileSync(outside, 'utf8'), 'export const untouched = true;\n');

  const root = fastSandbox();
  fs.mkdirSync(path.join(root, 'deep', 'er'), { recursive: true });
  fs.symlinkSync('/', path.join(root, 'deep', 'er', 'everything'));
  oneLine(await nightshift(['run', '--sandbox', root, '--db', db, ...QUICK]), /holds a symbolic link, deep\/er\/everything -> \/;/);

  // The sandbox's own dependencies may be a link: that is how workspaces get theirs too.
  const modules = fastSandbox();
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(modules, 'node_modules'));
  const ok = await nightshift(['run', '--sandbox', modules, '--db', path.join(tempDir(), 'log.db'), ...QUICK]);
  assert.equal(ok.exitCode, 0, String(ok.all));
});

test('"." in a nightshift.json file list is refused in one line', async () => {
  const dot = fastSandbox({
    'nightshift.json': JSON.stringify({ command: 'node train.mjs', metric: 'val_loss', goal: 'minimize', editable: ['train.mjs'], readonly: ['.'] }),
  });
  const before = snapshot(dot);
  oneLine(await nightshift(['run', '--sandbox', dot, '--db', path.join(tempDir(), 'log.db'), ...QUICK]), /nightshift\.json: readonly.*relative path/);
  assert.deepEqual(snapshot(dot), before);
});

test('a damaged log (a page overwritten) is refused by run and by log in one line, and not written to', async () => {
  const { db } = await finishedSession();
  // Checkpointed into the file, so the damage below is the log's whole truth.
  execFileSync(process.execPath, [
    '-e',
    `const D=require(${JSON.stringify(path.join(REPO, 'node_modules', 'better-sqlite3'))});const d=new D(${JSON.stringify(db)});d.pragma('wal_checkpoint(TRUNCATE)');d.pragma('journal_mode=DELETE');d.close()`,
  ]);
  const bytes = fs.readFileSync(db);
  // The second page (the sessions table's root): the file still opens, but its structure is broken.
  for (let i = 4096 + 200; i < 4096 + 4000; i++) bytes[i]! ^= 0x5a;
  fs.writeFileSync(db, bytes);
  const dir = path.dirname(db);
  const before = snapshot(dir);
  oneLine(
    await nightshift(['run', '--sandbox', fastSandbox(), '--db', db, ...QUICK]),
    /is a damaged SQLite database \(Tree \d+ page \d+ .*\); nothing was written to it/,
  );
  oneLine(await nightshift(['log', '--db', db]), /damaged/);
  assert.equal(crypto.createHash('sha256').update(fs.readFileSync(db)).digest('hex'), before['log.db']);
  // Only SQLite's own companions of the log may have appeared beside it.
  const others = (snap: Record<string, string>) => Object.keys(snap).filter((f) => !/^log\.db(-wal|-shm|-journal)?$/.test(f));
  assert.deepEqual(others(snapshot(dir)), others(before));
});

test('a log cut inside its header is refused in one line by run and by the queries', async () => {
  const { db } = await finishedSession();
  const cut = path.join(tempDir(), 'cut.db');
  fs.writeFileSync(cut, fs.readFileSync(db).subarray(0, 50));
  oneLine(await nightshift(['run', '--sandbox', fastSandbox(), '--db', cut, ...QUICK]), /is not an SQLite database \(truncated\)/);
  for (const command of ['log', 'show', 'report']) {
    oneLine(await nightshift(command === 'show' ? ['show', '1', '--db', cut] : [command, '--db', cut]), /is not an SQLite database \(truncated\)/);
  }
  assert.equal(fs.statSync(cut).size, 50);
});

/** Runs `script` (sh) with DIR mounted read-only in a private mount namespace; null when this machine cannot. */
function inReadOnlyMount(dir: string, script: string): { status: number | null; stdout: string; stderr: string } | null {
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0"`, dir], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const result = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && ${script}`, dir], {
    encoding: 'utf8',
    cwd: REPO,
    env: { ...process.env, NIGHTSHIFT_CLI: `${process.execPath} --import tsx ${path.join(REPO, 'agent', 'cli', 'main.ts')}` },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a log in a read-only folder: the queries read it, run says it cannot write there', async (t) => {
  const { db } = await finishedSession();
  const dir = path.dirname(db);
  const before = snapshot(dir);
  const queries = inReadOnlyMount(
    dir,
    `$NIGHTSHIFT_CLI log --db "$0/log.db" && $NIGHTSHIFT_CLI show 1 --db "$0/log.db" && $NIGHTSHIFT_CLI report --db "$0/log.db" --format json > /dev/null`,
  );
  if (queries === null) return t.skip('cannot make a read-only mount here (needs root and unshare -m)');
  assert.equal(queries.status, 0, queries.stderr);
  assert.match(queries.stdout, /baseline, seed 1/);
  assert.equal(queries.stderr, '');
  // The Markdown report's chart would go beside the log: the report comes without it, said in one line.
  const report = inReadOnlyMount(dir, `$NIGHTSHIFT_CLI report --db "$0/log.db"`)!;
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /^# /m);
  assert.match(report.stderr, /^nightshift: no chart: cannot write .*progress\.svg: read-only file system\n$/);

  const run = inReadOnlyMount(dir, `$NIGHTSHIFT_CLI run --sandbox "${fastSandbox()}" --db "$0/log.db" ${QUICK.join(' ')}`)!;
  oneLine({ exitCode: run.status ?? 1, stderr: run.stderr }, /cannot write the log .*log\.db: its folder .* is on a read-only file system/);
  const fresh = inReadOnlyMount(dir, `$NIGHTSHIFT_CLI run --sandbox "${fastSandbox()}" --db "$0/sub/new.db" ${QUICK.join(' ')}`)!;
  oneLine({ exitCode: fresh.status ?? 1, stderr: fresh.stderr }, /cannot write the log .*new\.db: its folder .* is on a read-only file system/);
  assert.deepEqual(snapshot(dir), before);
});

test('resuming a session whose workspace.git was deleted is one line; the next run starts a new session', async () => {
  const { db, sandbox, workspace } = await finishedSession();
  fs.rmSync(outsideGitDir(workspace), { recursive: true, force: true });
  const before = snapshot(workspace);
  const resumed = await nightshift(['run', '--sandbox', sandbox, '--db', db, '--resume', '--max-runs', '2', '--budget', '5', '--isolation', 'none']);
  oneLine(resumed, /session 1 cannot be resumed: its workspace repository .*workspace\.git is gone; run again without --resume/);
  assert.deepEqual(snapshot(workspace), before, 'nothing in the workspace was written');

  // A crashed session (still "running", its agent dead) with its repository gone: refused once, then set aside.
  fs.rmSync(path.join(path.dirname(db)), { recursive: true, force: true });
  const second = await finishedSession();
  execFileSync(process.execPath, [
    '-e',
    `const D=require(${JSON.stringify(path.join(REPO, 'node_modules', 'better-sqlite3'))});const d=new D(${JSON.stringify(second.db)});d.prepare("UPDATE sessions SET status='running', agent_pid=999999999").run();d.close()`,
  ]);
  fs.rmSync(outsideGitDir(second.workspace), { recursive: true, force: true });
  oneLine(await nightshift(['run', '--sandbox', second.sandbox, '--db', second.db, ...QUICK]), /session 1 cannot be resumed/);
  assert.equal(readLog(second.db).sessions[0]!.status, 'stopped');
  const next = await nightshift(['run', '--sandbox', second.sandbox, '--db', second.db, ...QUICK]);
  assert.equal(next.exitCode, 0, String(next.all));
  assert.deepEqual(
    readLog(second.db).sessions.map((s) => s.id),
    [1, 2],
  );
});
