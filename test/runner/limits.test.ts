import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { limitHit, limitMechanism, openCage, withLimits, type RunCage } from '../../agent/runner/isolation/limits.ts';
import { tempDir } from '../helpers.ts';

const GiB = 2 ** 30;

test("per-process limits are set by the shell that starts the script; the process share adds to the user's tasks", () => {
  assert.equal(withLimits('tsx train.ts', { memoryBytes: 2 * GiB, openFiles: 64 }), 'ulimit -d 2097152 && ulimit -n 64 && tsx train.ts');
  assert.equal(withLimits('x', { memoryBytes: GiB, openFiles: null, processes: 10 }, { cgroup: true }), 'x');
  assert.equal(
    withLimits('x', { memoryBytes: null, openFiles: null, processes: 10 }, { cgroup: false, userTasks: 90 }),
    '{ ulimit -u 100 2>/dev/null || ulimit -p 100; } && x',
  );
  assert.equal(withLimits('x', { memoryBytes: null, openFiles: null, processes: 10 }, { cgroup: false, userTasks: null }), 'x');
});

test('a crash names its limit: from cgroup events where there was a cgroup, else from its last lines', () => {
  const limits = { memoryBytes: GiB, openFiles: 64, processes: 512 };
  assert.match(limitHit([], limits, { oomKills: 2, forksRefused: 0 })!, /memory limit \(1\.0 GiB\) was reached by the run.s processes together/);
  assert.match(limitHit([], limits, { oomKills: 0, forksRefused: 3 })!, /process limit \(512\)/);
  assert.equal(limitHit(['BlockingIOError: [Errno 11] Resource temporarily unavailable'], limits, { oomKills: 0, forksRefused: 0 }), null);
  assert.match(limitHit(['BlockingIOError: [Errno 11] Resource temporarily unavailable'], limits)!, /process limit/);
  assert.match(limitHit(['RangeError: Array buffer allocation failed'], limits)!, /memory limit \(1\.0 GiB\)/);
  assert.match(limitHit(['Error: EMFILE: too many open files'], limits)!, /open-file limit \(64\)/);
  assert.equal(limitHit(['SyntaxError: nope'], limits), null);
});

test('a cgroup v2 tree gets a per-run cgroup with memory.max, no swap, a whole-run OOM and pids.max; the cage joins it before exec', () => {
  const root = tempDir();
  fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu io memory pids');
  const cage = openCage('run-1-a1-0', { memoryBytes: GiB, openFiles: 64, processes: 100 }, root);
  const dir = path.join(root, 'nightshift', 'run-1-a1-0');
  assert.equal(cage.mechanism.kind, 'cgroup v2');
  assert.equal(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8'), String(GiB));
  assert.equal(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8'), '100');
  assert.equal(fs.readFileSync(path.join(root, 'nightshift', 'cgroup.subtree_control'), 'utf8'), '+memory +pids');
  const [file, args] = cage.wrap('bwrap', ['--die-with-parent']);
  assert.equal(file, '/bin/sh');
  assert.deepEqual(args.slice(3), [path.join(dir, 'cgroup.procs'), '--', 'bwrap', '--die-with-parent']);
  // Memory and processes are the cgroup's; open files stay per process.
  assert.equal(cage.command('node t.js'), 'ulimit -n 64 && node t.js');
});

test('without a cgroup it may write, the cage falls back to per-process limits and says so', () => {
  const cage = openCage('run-1-a1-0', { memoryBytes: GiB, openFiles: null, processes: 100 }, tempDir());
  assert.equal(cage.mechanism.kind, 'ulimit');
  assert.match(cage.mechanism.memory, /per process/);
  assert.deepEqual(cage.wrap('/bin/sh', ['-c', 'x']), ['/bin/sh', ['-c', 'x']]);
  assert.match(cage.command('x'), /^ulimit -d 1048576 && /);
});

// The real-process tests need a cgroup this process may create (root, v1 or v2 with memory and pids).
const mechanism = await limitMechanism();
const skip = mechanism.kind === 'ulimit' ? 'no writable cgroup here' : false;

/** Runs a shell command inside a cage; resolves with its exit and the cage's events. */
async function caged(cage: RunCage, script: string, withinMs: number) {
  const [file, args] = cage.wrap('/bin/sh', ['-c', cage.command(script)]);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => cage.kill(), withinMs);
  const exit = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  clearTimeout(timer);
  const events = await cage.close();
  return { exit, output, events };
}

test('a fork bomb stops at the whole-run process limit', { skip, timeout: 60_000 }, async () => {
  const cage = openCage(`test-bomb-a${process.pid}-0`, { memoryBytes: 4 * GiB, openFiles: null, processes: 64 });
  const bomb = `import os, time
for _ in range(400):
    try:
        if os.fork() == 0:
            continue
    except OSError as e:
        print('refused:', e.strerror, flush=True)
        break
    time.sleep(0.005)
time.sleep(30)`;
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'bomb.py'), bomb);
  let alive = 0;
  setTimeout(() => {
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) alive++;
      } catch {
        // Gone since the listing.
      }
    }
  }, 2500);
  const started = Date.now();
  const { output, events } = await caged(cage, `python3 ${path.join(dir, 'bomb.py')}`, 3000);
  const refused = output.split('\n').filter((line) => line.startsWith('refused')).length;
  console.log(
    `fork bomb under pids.max 64 (${mechanism.kind}): ${alive} processes alive at 2.5 s, ${events!.forksRefused} forks refused, ${refused} processes saw "Resource temporarily unavailable", all killed after ${Date.now() - started} ms`,
  );
  assert.ok(alive <= 64, `${alive} processes`);
  assert.ok(events!.forksRefused > 0);
  assert.match(limitHit([], { memoryBytes: null, openFiles: null, processes: 64 }, events)!, /process limit \(64\)/);
});

test('four children of 400 MB each, which a per-process limit lets through, are killed under a 1 GiB whole-run limit', { skip, timeout: 60_000 }, async () => {
  const cage = openCage(`test-mem-a${process.pid}-0`, { memoryBytes: GiB, openFiles: null, processes: 64 });
  const child = `const b = Buffer.alloc(400 * 2 ** 20, 1); setTimeout(() => console.log('held', b.length), 3000)`;
  const { exit, output, events } = await caged(cage, `for i in 1 2 3 4; do node -e "${child}" & done; wait; echo waited`, 20_000);
  console.log(`4 x 400 MB under 1 GiB (${mechanism.kind}): ${events!.oomKills} OOM kills; held: ${(output.match(/held/g) ?? []).length}; exit ${exit}`);
  assert.ok(events!.oomKills > 0);
  assert.ok((output.match(/held/g) ?? []).length < 4);
  assert.match(limitHit([], { memoryBytes: GiB, openFiles: null }, events)!, /memory limit \(1\.0 GiB\) was reached by the run.s processes together/);
});

test('a daemon that left the group is killed with the cgroup, and the cgroup is removed', { skip, timeout: 30_000 }, async () => {
  const cage = openCage(`test-daemon-a${process.pid}-0`, { memoryBytes: null, openFiles: null, processes: 64 });
  const pidFile = path.join(tempDir(), 'daemon.pid');
  await caged(cage, `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 1000' & sleep 0.3`, 10_000);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  assert.ok(!fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), 'the daemon is gone');
});
