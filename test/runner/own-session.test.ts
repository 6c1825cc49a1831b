import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { execaOwnSession, killedStarting } from '../../agent/runner/own-session.ts';
import { REPO, tempDir } from '../helpers.ts';

/** A shell line that dies of SIGINT, silently, the first time it runs in `dir`, and says "ran" after. */
const diesOnceSilently = (dir: string) =>
  `echo x >> ${path.join(dir, 'starts')}; if [ ! -e ${path.join(dir, 'seen')} ]; then touch ${path.join(dir, 'seen')}; kill -INT $$; fi; echo ran`;
const starts = (dir: string) => fs.readFileSync(path.join(dir, 'starts'), 'utf8').split('\n').filter(Boolean).length;

test('only a terminal signal before any output counts as killed starting', () => {
  assert.equal(killedStarting('SIGINT', false), true);
  assert.equal(killedStarting('SIGQUIT', false), true);
  assert.equal(killedStarting('SIGINT', true), false, 'it printed: it ran');
  assert.equal(killedStarting('SIGTERM', false), false, 'not a terminal signal');
  assert.equal(killedStarting(null, false), false);
});

test('a child killed by a terminal signal before it printed anything is started once more, rejecting or not', async () => {
  for (const reject of [true, false]) {
    const dir = tempDir();
    const result = await execaOwnSession('/bin/sh', ['-c', diesOnceSilently(dir)], { reject });
    assert.equal(result.stdout, 'ran');
    assert.equal(starts(dir), 2);
  }
});

test('a child that printed before a SIGINT killed it is not started again', async () => {
  const dir = tempDir();
  const result = await execaOwnSession('/bin/sh', ['-c', `echo x >> ${path.join(dir, 'starts')}; echo hello; kill -INT $$`], { reject: false });
  assert.equal(result.signal, 'SIGINT');
  assert.equal(starts(dir), 1);
});

test("a Ctrl-C sent to the agent's whole process group does not reach a child started in its own session", async () => {
  const dir = tempDir();
  const agent = path.join(dir, 'agent.mts');
  // An agent that ignores SIGINT, as nightshift's does while it finishes the run in flight.
  fs.writeFileSync(
    agent,
    `import { execaOwnSession } from ${JSON.stringify(path.join(REPO, 'agent/runner/own-session.ts'))};
process.on('SIGINT', () => {});
const child = await execaOwnSession('/bin/sh', ['-c', 'echo started; sleep 1.5; echo survived'], { reject: false });
console.log(child.stdout.replace(/\\n/g, ' '), child.signal ?? 'no signal');`,
  );
  const run = execa(process.execPath, ['--import', 'tsx', agent], { cwd: REPO, detached: true, reject: false });
  // Once the child has started (tsx takes a while to load), the terminal's Ctrl-C: to every process in the group.
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 100));
  while (Date.now() - started < 20_000) {
    const children = await execa('pgrep', ['-f', 'sleep 1.5'], { reject: false });
    if (children.stdout.trim() !== '') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(-run.pid!, 'SIGINT');
  const result = await run;
  assert.equal(result.stdout, 'started survived no signal', String(result.stderr));
});

test('a child in its own session still dies when the agent exits, as execa makes its other children do', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'pid');
  const agent = path.join(dir, 'agent.mts');
  fs.writeFileSync(
    agent,
    `import fs from 'node:fs';
import { execaOwnSession } from ${JSON.stringify(path.join(REPO, 'agent/runner/own-session.ts'))};
void execaOwnSession('/bin/sh', ['-c', 'echo $$ > ${pidFile}; sleep 30'], { reject: false });
while (!fs.existsSync(${JSON.stringify(pidFile)}) || fs.readFileSync(${JSON.stringify(pidFile)}, 'utf8') === '') await new Promise((r) => setTimeout(r, 20));
process.exit(0);`,
  );
  const result = await execa(process.execPath, ['--import', 'tsx', agent], { cwd: REPO, reject: false });
  assert.equal(result.exitCode, 0, result.stderr);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await new Promise((r) => setTimeout(r, 200));
  // Dead or a zombie (this machine's init may not reap what it inherits): not running.
  const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : null;
  const state = stat === null ? 'gone' : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  assert.ok(state === 'gone' || state === 'Z', `the child ${pid} outlived the agent: ${stat}`);
});
