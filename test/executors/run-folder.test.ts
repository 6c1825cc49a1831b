import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { OUTPUT_LOG, prepareRunFolder, RESULT_FILE, readResult, wrapperScript } from '../../agent/executors/run-folder.ts';
import { tempDir } from '../helpers.ts';

// The wrapper run for real by /bin/sh (dash here), as a node or the local executor runs it.
function runWrapper(spec: { argv: string[]; env?: Record<string, string>; cwd?: string }, outer: Record<string, string> = {}) {
  const runDir = path.join(tempDir(), 'run');
  const file = prepareRunFolder({ name: 'ns-1-2-3', runDir, cwd: spec.cwd ?? runDir, argv: spec.argv, env: spec.env ?? {} });
  const done = spawnSync('/bin/sh', [file], { env: { PATH: process.env.PATH!, ...outer }, encoding: 'utf8' });
  assert.equal(done.status, 0, `the wrapper itself ends cleanly: ${done.stderr}`);
  return { runDir, result: readResult(runDir)!, log: fs.readFileSync(path.join(runDir, OUTPUT_LOG), 'utf8') };
}

test("the wrapper records the command's exit code, the node and the GPUs it was given", () => {
  const { result, log } = runWrapper({ argv: ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'] }, { CUDA_VISIBLE_DEVICES: '1,2' });
  assert.equal(result.exitCode, 3);
  assert.equal(result.signal, null);
  assert.deepEqual(result.gpus, ['1', '2']);
  assert.ok(result.node.length > 0);
  assert.ok(Date.parse(result.endedAt) >= Date.parse(result.startedAt));
  assert.equal(log, 'out\nerr\n');
});

test('a command killed by a signal is recorded with the signal and no exit code', () => {
  const { result } = runWrapper({ argv: ['/bin/sh', '-c', 'kill -USR1 $$'] });
  assert.equal(result.exitCode, null);
  assert.equal(result.signal, 'SIGUSR1');
  assert.deepEqual(result.gpus, []);
});

test('the command gets exactly its environment, the run name and the GPUs; odd values and arguments pass through untouched', () => {
  const odd = `it's "quoted" $(touch /tmp/nightshift-pwned) \`id\` \\ $HOME\nsecond line; * ? [a] ~ é 🚀 =x`;
  const env = { PATH: process.env.PATH!, ODD: odd, EMPTY: '', EQUALS: 'a=b=c', CUDA_VISIBLE_DEVICES: 'ignored', NIGHTSHIFT_RUN_NAME: 'ignored' };
  const script = 'process.stdout.write(JSON.stringify({ env: process.env, argv: process.argv.slice(1) }))';
  const { result, log } = runWrapper({ argv: [process.execPath, '-e', script, odd, '', '-x', '--', '$ODD'], env }, { CUDA_VISIBLE_DEVICES: '0', LEAK: 'x' });
  assert.equal(result.exitCode, 0);
  const seen = JSON.parse(log);
  assert.deepEqual(seen.env, { PATH: process.env.PATH, ODD: odd, EMPTY: '', EQUALS: 'a=b=c', CUDA_VISIBLE_DEVICES: '0', NIGHTSHIFT_RUN_NAME: 'ns-1-2-3' });
  assert.deepEqual(seen.argv, [odd, '', '-x', '--', '$ODD']);
  assert.equal(fs.existsSync('/tmp/nightshift-pwned'), false);
});

test('without GPUs from outside, the command sees an empty CUDA_VISIBLE_DEVICES (every GPU hidden)', () => {
  const { log } = runWrapper({ argv: ['/bin/sh', '-c', 'printf "[%s]" "${CUDA_VISIBLE_DEVICES-unset}"'] });
  assert.equal(log, '[]');
});

test('the command runs in its checkout; a checkout that is missing says so in the log', () => {
  const cwd = tempDir();
  assert.equal(runWrapper({ argv: ['/bin/pwd'], cwd }).log.trim(), fs.realpathSync(cwd));
  const missing = runWrapper({ argv: ['/bin/pwd'], cwd: path.join(cwd, 'gone') });
  assert.notEqual(missing.result.exitCode, 0);
  assert.match(missing.log, /gone/);
});

test('a command that does not exist ends with 127 and the reason in the log', () => {
  const { result, log } = runWrapper({ argv: ['/no/such/program'] });
  assert.equal(result.exitCode, 127);
  assert.match(log, /no\/such\/program/);
});

test('a GPU list with characters JSON would need escaped still gives a readable result', () => {
  const { result } = runWrapper({ argv: ['/bin/true'] }, { CUDA_VISIBLE_DEVICES: '0,"1\\' });
  assert.deepEqual(result.gpus, ['0', '1']);
});

test("the wrapper records its GPUs' model as the node's nvidia-smi names the ones it was given, and none without GPUs", () => {
  // A stand-in nvidia-smi on PATH that answers for the ids -i gives it, as the real one does.
  const bin = tempDir();
  const models: Record<string, string> = { '0': 'NVIDIA H200', '1': 'NVIDIA H200', '2': 'NVIDIA A100-SXM4-80GB "x"' };
  const cases = Object.entries(models)
    .map(([id, name]) => `${id}) echo '${name}' ;;`)
    .join(' ');
  const script = `#!/bin/sh\nfor a; do [ "$prev" = -i ] && ids=$a; prev=$a; done\nfor id in $(echo "$ids" | tr , ' '); do case $id in ${cases} esac; done\n`;
  fs.writeFileSync(path.join(bin, 'nvidia-smi'), script, { mode: 0o755 });
  const PATH = `${bin}:${process.env.PATH}`;
  assert.equal(runWrapper({ argv: ['/bin/true'] }, { PATH, CUDA_VISIBLE_DEVICES: '0,1' }).result.gpuModel, 'NVIDIA H200');
  assert.equal(runWrapper({ argv: ['/bin/true'] }, { PATH, CUDA_VISIBLE_DEVICES: '1,2' }).result.gpuModel, 'NVIDIA A100-SXM4-80GB x + NVIDIA H200');
  assert.equal(runWrapper({ argv: ['/bin/true'] }, { PATH }).result.gpuModel, null, 'no GPUs given: no model, though nvidia-smi lists some');
  assert.equal(runWrapper({ argv: ['/bin/true'] }, { CUDA_VISIBLE_DEVICES: '0' }).result.gpuModel, null, 'no nvidia-smi on the node');
});

test('TERM to the wrapper reaches the command, and the wrapper records it', async () => {
  const runDir = path.join(tempDir(), 'run');
  const file = prepareRunFolder({ name: 'ns-1-1-1', runDir, cwd: runDir, argv: ['/bin/sleep', '30'], env: {} });
  const { spawn } = await import('node:child_process');
  const wrapper = spawn('/bin/sh', [file], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  wrapper.kill('SIGTERM');
  const code = await new Promise((resolve) => wrapper.once('exit', resolve));
  assert.equal(code, 0);
  assert.equal(readResult(runDir)?.signal, 'SIGTERM');
});

test('names, variable names and NULs a wrapper cannot carry are refused before anything is written', () => {
  const base = { name: 'ns-1-1-1', runDir: '/tmp/x', cwd: '/tmp', argv: ['true'], env: {} };
  assert.throws(() => wrapperScript({ ...base, name: 'a\nrm -rf ~' }), /run name/);
  assert.throws(() => wrapperScript({ ...base, env: { 'A-B': '1' } }), /environment variable name "A-B"/);
  assert.throws(() => wrapperScript({ ...base, argv: ['a\0b'] }), /NUL/);
  assert.throws(() => wrapperScript({ ...base, argv: [] }), /no command/);
});

test('a garbled result.json is an error naming the file; none yet is null', () => {
  const dir = tempDir();
  assert.equal(readResult(dir), null);
  fs.writeFileSync(path.join(dir, RESULT_FILE), '{"exitCode":');
  assert.throws(() => readResult(dir), /result\.json is not the JSON/);
  fs.writeFileSync(path.join(dir, RESULT_FILE), '{"exitCode":"x"}');
  assert.throws(() => readResult(dir), /result\.json is not the result/);
});
