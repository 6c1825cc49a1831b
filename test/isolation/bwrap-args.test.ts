import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bwrapArgs, pathPrefixes } from '../../agent/runner/isolation/bwrap-args.ts';
import { limitHit, withLimits } from '../../agent/runner/isolation/limits.ts';

const plan = {
  workspace: '/data/ws',
  outDir: '/data/out/7',
  cacheDir: '/data/cache',
  readonly: ['/usr', '/usr/lib', '/etc', '/home/me/nightshift', '/home/me/nightshift/node_modules', '/opt/conda'],
  devices: ['/dev/nvidia0', '/dev/dri'],
  masked: ['/home/me/.cargo/credentials.toml'],
  tmpBytes: 2 ** 30,
  env: { PATH: '/usr/bin', NIGHTSHIFT_SEED: '3', HOME: '/home/me' },
  command: 'tsx train.ts',
};

/** The value that follows each occurrence of a flag with one or two operands. */
function operands(args: string[], flag: string, width = 2): string[][] {
  return args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 1 + width)] : []));
}

test('the sandbox isolates every namespace, dies with the agent, and starts from a cleared environment', () => {
  const args = bwrapArgs(plan);
  for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv']) assert.ok(args.includes(flag), flag);
  assert.ok(!args.includes('--share-net'), 'no network');
  assert.deepEqual(args.slice(-6), ['--chdir', '/data/ws', '--', '/bin/sh', '-c', 'tsx train.ts']);
});

test('only the listed folders are visible, read-only, without nested duplicates; workspace and outputs are writable and bound last', () => {
  const args = bwrapArgs(plan);
  assert.deepEqual(operands(args, '--ro-bind-try').map(([src]) => src), ['/etc', '/home/me/nightshift', '/opt/conda', '/usr', '/data/ws/.git']);
  for (const [src, dst] of operands(args, '--ro-bind-try')) assert.equal(src, dst);
  assert.ok(!args.includes('--ro-bind') || operands(args, '--ro-bind').every(([s]) => s !== '/'), 'the root is never bound whole');
  assert.deepEqual(operands(args, '--bind'), [['/data/ws', '/data/ws'], ['/data/out/7', '/data/out/7'], ['/data/cache', '/data/cache']]);
  assert.ok(args.lastIndexOf('--bind') > args.indexOf('--ro-bind-try'));
  assert.ok(args.lastIndexOf('--ro-bind-try') > args.lastIndexOf('--bind'), "the workspace's .git is read-only over the writable workspace");
  assert.deepEqual(operands(args, '--tmpfs', 1), [['/tmp']]);
  assert.equal(args[args.indexOf('--tmpfs') - 1], String(2 ** 30), '/tmp has a quota');
  assert.deepEqual(operands(args, '--dev-bind-try').map(([d]) => d), ['/dev/nvidia0', '/dev/dri']);
  assert.deepEqual(operands(args, '--ro-bind'), [['/dev/null', '/home/me/.cargo/credentials.toml']]);
  assert.ok(args.indexOf('--ro-bind') > args.indexOf('--ro-bind-try'), 'masks go over the folders they hide in');
});

test('the environment is exactly the given one, with HOME and TMPDIR moved into the fresh /tmp', () => {
  const env = Object.fromEntries(operands(bwrapArgs(plan), '--setenv').map(([k, v]) => [k, v]));
  assert.deepEqual(env, { HOME: '/tmp', NIGHTSHIFT_SEED: '3', PATH: '/usr/bin', TMPDIR: '/tmp' });
});

test('interpreters installed outside /usr are found through their PATH prefix', () => {
  assert.deepEqual(pathPrefixes('/root/.pyenv/shims:/usr/local/bin:/opt/tool:relative/bin'), ['/root/.pyenv', '/usr/local', '/opt/tool']);
});

test('limits are set by the shell that starts the script, and a crash names the limit it hit', () => {
  assert.equal(withLimits('tsx train.ts', { memoryBytes: 2 * 2 ** 30, openFiles: 64 }), 'ulimit -d 2097152 && ulimit -n 64 && tsx train.ts');
  assert.equal(withLimits('python3 train.py', { memoryBytes: null, openFiles: null }), 'python3 train.py');
  const limits = { memoryBytes: 2 ** 30, openFiles: 64 };
  assert.match(limitHit(['Error: EMFILE: too many open files'], limits)!, /open-file limit \(64\)/);
  assert.match(limitHit(['RangeError: Array buffer allocation failed'], limits)!, /memory limit \(1\.0 GiB\)/);
  assert.equal(limitHit(['SyntaxError: nope'], limits), null);
  assert.match(limitHit(["Error: ENOSPC: no space left on device, write"], limits)!, /disk space ran out/);
});
