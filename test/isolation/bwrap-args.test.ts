import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bwrapArgs } from '../../agent/runner/isolation/bwrap-args.ts';
import { limitHit, withLimits } from '../../agent/runner/isolation/limits.ts';
import { pathPrefixes } from '../../agent/runner/isolation/path-prefixes.ts';

const plan = {
  workspace: '/data/ws',
  outDir: '/data/out/7',
  readonly: ['/', '/usr', '/usr/lib', '/etc/passwd', '/tmp/ns/node_modules', '/tmp/ns/node_modules/.bin', '/opt/conda', '/data'],
  symlinks: [
    ['usr/bin', '/bin'],
    ['/usr/share/zoneinfo/UTC', '/etc/localtime'],
  ] as [string, string][],
  devices: ['/dev/nvidia0', '/dev/dri'],
  masked: ['/opt/conda/.netrc', '/data/experiments.db', '/var/elsewhere.db'],
  emptied: ['/opt/conda/home/.ssh', '/data/.nightshift/db/session-1/workspace.git'],
  tmpBytes: 2 ** 30,
  env: { PATH: '/usr/bin', NIGHTSHIFT_SEED: '3', HOME: '/home/me' },
  command: 'tsx train.ts',
};

/** The operands that follow each occurrence of a flag. */
function operands(args: string[], flag: string, width = 2): string[][] {
  return args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 1 + width)] : []));
}

const BINDS = ['--ro-bind-try', '--ro-bind', '--bind'];
/** [flag, path] of every bind of a host path (masks bind /dev/null, and are not counted). */
function binds(args: string[]): string[][] {
  return args.flatMap((a, i) => (BINDS.includes(a) && args[i + 1] !== '/dev/null' ? [[a, args[i + 1]!]] : []));
}

test('the sandbox isolates every namespace, its own PIDs included, dies with the agent, and starts from a cleared environment', () => {
  const args = bwrapArgs(plan);
  for (const flag of ['--unshare-all', '--unshare-pid', '--die-with-parent', '--new-session', '--clearenv']) assert.ok(args.includes(flag), flag);
  assert.ok(!args.includes('--share-net'), 'no network');
  assert.deepEqual(operands(args, '--proc', 1), [['/proc']]);
  assert.deepEqual(args.slice(-6), ['--chdir', '/data/ws', '--', '/bin/sh', '-c', 'tsx train.ts']);
});

test('the root is never bound, whoever asks; binds are exact paths, parents first, without nested duplicates', () => {
  const args = bwrapArgs(plan);
  for (const flag of BINDS) for (const [src, dst] of operands(args, flag)) assert.ok(src !== '/' && dst !== '/', `${flag} ${src} ${dst}`);
  assert.deepEqual(binds(args), [
    ['--ro-bind-try', '/usr'],
    ['--ro-bind-try', '/data'],
    ['--ro-bind-try', '/etc/passwd'],
    ['--ro-bind-try', '/opt/conda'],
    ['--bind', '/data/ws'],
    ['--ro-bind-try', '/tmp/ns/node_modules'],
    ['--bind', '/data/out/7'],
    ['--ro-bind-try', '/data/ws/.git'],
  ]);
  for (const flag of BINDS) for (const [src, dst] of operands(args, flag)) if (src !== '/dev/null') assert.equal(src, dst);
});

test('the fresh /tmp comes before every bind, so a package installed under /tmp stays visible on top of it', () => {
  const args = bwrapArgs(plan);
  const tmpfs = args.indexOf('--tmpfs');
  assert.deepEqual(args.slice(tmpfs - 2, tmpfs + 2), ['--size', String(2 ** 30), '--tmpfs', '/tmp']);
  const firstBind = Math.min(...BINDS.map((f) => args.indexOf(f)).filter((i) => i >= 0));
  assert.ok(tmpfs < firstBind);
  assert.ok(args.indexOf('/tmp/ns/node_modules') > tmpfs);
  assert.ok(args.indexOf('--proc') < firstBind && args.indexOf('--dev') < firstBind);
  assert.ok(args.indexOf('--dev') < args.indexOf('--dev-bind-try'), 'GPU devices go into the fresh /dev');
  assert.deepEqual(
    operands(args, '--dev-bind-try').map(([d]) => d),
    ['/dev/nvidia0', '/dev/dri'],
  );
  assert.deepEqual(operands(args, '--symlink'), plan.symlinks);
  assert.ok(args.lastIndexOf('--symlink') < firstBind, 'merged-usr links are in place before anything is bound through them');
});

test('masks go over the binds they sit in, and masks outside every bind are left out', () => {
  const args = bwrapArgs(plan);
  const at = (p: string) => args.lastIndexOf(p);
  const nullBinds = operands(args, '--ro-bind')
    .filter(([s]) => s === '/dev/null')
    .map(([, f]) => f);
  assert.deepEqual(nullBinds.sort(), ['/data/experiments.db', '/opt/conda/.netrc']);
  assert.deepEqual(operands(args, '--tmpfs', 1).slice(1).sort(), [['/data/.nightshift/db/session-1/workspace.git'], ['/opt/conda/home/.ssh']]);
  assert.ok(at('/opt/conda/.netrc') > at('/opt/conda') && at('/data/experiments.db') > at('/data'));
  assert.ok(at('/opt/conda/home/.ssh') > at('/opt/conda'));
  assert.ok(!args.includes('/var/elsewhere.db'), 'no mount point reveals a hidden path outside the view');
  const remounts = operands(args, '--remount-ro', 1).map(([p]) => p);
  assert.deepEqual(remounts.slice(0, 2).sort(), ['/data/.nightshift/db/session-1/workspace.git', '/opt/conda/home/.ssh'], 'emptied folders are read-only');
  assert.ok(args.indexOf('--remount-ro') > Math.max(...BINDS.map((f) => args.lastIndexOf(f))), 'after every mount point inside them is made');
  assert.equal(args[args.indexOf('--setenv') - 1], '/', 'the root itself is read-only once everything is mounted');
});

test('a bind inside a hidden folder shows through it: hiding the session folder keeps the workspace', () => {
  const args = bwrapArgs({ ...plan, readonly: ['/data'], masked: [], emptied: ['/data/ws', '/data/session'], workspace: '/data/session/ws' });
  assert.ok(args.indexOf('/data/session') < args.indexOf('/data/session/ws'), 'the workspace is bound on top of the emptied session folder');
  assert.deepEqual(
    operands(args, '--bind').map(([p]) => p),
    ['/data/session/ws', '/data/out/7'],
  );
});

test('a process that may only read its artifact folder gets it read-only', () => {
  const args = bwrapArgs({ ...plan, readonly: ['/usr'], outReadonly: true });
  assert.deepEqual(
    operands(args, '--ro-bind').filter(([s]) => s === '/data/out/7'),
    [['/data/out/7', '/data/out/7']],
  );
  assert.ok(!operands(args, '--bind').some(([s]) => s === '/data/out/7'));
});

test('the environment is exactly the given one, with HOME and TMPDIR moved into the fresh /tmp', () => {
  const env = Object.fromEntries(operands(bwrapArgs(plan), '--setenv').map(([k, v]) => [k, v]));
  assert.deepEqual(env, { HOME: '/tmp', NIGHTSHIFT_SEED: '3', PATH: '/usr/bin', TMPDIR: '/tmp' });
});

test('a PATH entry binds its install prefix, never the root, a top-level folder or a whole home', () => {
  const homes = new Set(['/root', '/home/me']);
  const entries = [
    '/root/.pyenv/shims',
    '/usr/local/bin',
    '/opt/tool',
    'relative/bin',
    '/bin',
    '/usr/bin',
    '/tmp/bin',
    '/tmp',
    '/root/bin',
    '/home/me/.local/bin',
    '/tmp/x/node_modules/.bin',
    '/root',
    '/root/.pyenv/shims',
  ];
  assert.deepEqual(pathPrefixes(entries, homes), [
    '/root/.pyenv',
    '/usr/local',
    '/opt/tool',
    '/usr/bin',
    '/tmp/bin',
    '/root/bin',
    '/home/me/.local',
    '/tmp/x/node_modules',
  ]);
});

test('limits are set by the shell that starts the script, and a crash names the limit it hit', () => {
  assert.equal(withLimits('tsx train.ts', { memoryBytes: 2 * 2 ** 30, openFiles: 64 }), 'ulimit -d 2097152 && ulimit -n 64 && tsx train.ts');
  assert.equal(withLimits('python3 train.py', { memoryBytes: null, openFiles: null }), 'python3 train.py');
  const limits = { memoryBytes: 2 ** 30, openFiles: 64 };
  assert.match(limitHit(['Error: EMFILE: too many open files'], limits)!, /open-file limit \(64\)/);
  assert.match(limitHit(['RangeError: Array buffer allocation failed'], limits)!, /memory limit \(1\.0 GiB\)/);
  assert.equal(limitHit(['SyntaxError: nope'], limits), null);
  assert.match(limitHit(['Error: ENOSPC: no space left on device, write'], limits)!, /disk space ran out/);
});
