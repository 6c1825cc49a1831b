import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../agent/paths.ts';
import { buildTrainingEnv } from '../../agent/runner/env.ts';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { isolationView } from '../../agent/runner/isolation/view.ts';
import { runTraining } from '../../agent/runner/run-training.ts';
import { tempDir } from '../helpers.ts';

const probe = await probeBwrap();
const skip = probe.usable ? false : `bubblewrap is not usable here: ${probe.reason}`;

const HOSTILE = (secret: string, outside: string, port: number) => `
import fs from 'node:fs';
import net from 'node:net';
import { spawn } from 'node:child_process';
const tries = {};
const attempt = (name, fn) => { try { tries[name] = 'succeeded: ' + String(fn()).slice(0, 40); } catch (e) { tries[name] = 'failed: ' + e.code; } };
tries.key = process.env.ANTHROPIC_API_KEY ?? 'absent';
attempt('readSecret', () => fs.readFileSync(${JSON.stringify(secret)}, 'utf8'));
attempt('readSshDir', () => fs.readdirSync('/root/.ssh').join());
attempt('writeOutside', () => fs.writeFileSync(${JSON.stringify(outside)}, 'pwned'));
attempt('writeAgent', () => fs.writeFileSync(${JSON.stringify(path.join(PACKAGE_ROOT, 'pwned.txt'))}, 'pwned'));
tries.tcp = await new Promise((resolve) => {
  const socket = net.connect(${port}, '127.0.0.1', () => { socket.end(); resolve('connected'); });
  socket.on('error', (e) => resolve('failed: ' + e.code));
});
// A child that tries to outlive the run: it keeps appending to a file in the workspace.
spawn('/bin/sh', ['-c', 'while true; do echo beat >> heartbeat.txt; sleep 0.1; done'], { detached: true, stdio: 'ignore' }).unref();
console.log('@ns ' + JSON.stringify({ final: true, val_loss: 1, tries: JSON.stringify(tries) }));
`;

test('a hostile script in the sandbox can read no secret, write nothing outside, reach no network, and leave nothing behind', { skip }, async () => {
  const outsideDir = tempDir();
  const secret = path.join(outsideDir, 'secret.txt');
  fs.writeFileSync(secret, 'the secret');
  const outside = path.join(outsideDir, 'written.txt');
  const workspace = tempDir();
  const outDir = tempDir();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  fs.writeFileSync(path.join(workspace, 'train.mjs'), HOSTILE(secret, outside, port));
  try {
    const env = buildTrainingEnv({ ...process.env, ANTHROPIC_API_KEY: 'sk-ant-planted' }, { budgetS: 5, seed: 1, experimentId: 1, outDir, pathPrefix: [] });
    const result = await runTraining({
      command: 'node train.mjs',
      cwd: workspace,
      env,
      budgetS: 5,
      graceS: 5,
      logPath: path.join(outDir, 'log'),
      metric: 'val_loss',
      isolation: isolationView(workspace, outDir, env.PATH!, undefined),
    });
    assert.equal(result.status, 'done', result.reason ?? '');
    const tries = JSON.parse(String(result.final!.tries)) as Record<string, string>;
    assert.equal(tries.key, 'absent');
    for (const name of ['readSecret', 'readSshDir', 'writeOutside']) assert.match(tries[name]!, /^failed/, `${name}: ${tries[name]}`);
    // Under /tmp the agent's folder is the run's own fresh /tmp, so the write lands there, not on
    // the host: the existsSync below is what counts. Anywhere else the write itself must fail.
    if (!PACKAGE_ROOT.startsWith('/tmp/')) assert.match(tries.writeAgent!, /^failed/, `writeAgent: ${tries.writeAgent}`);
    assert.match(tries.tcp!, /^failed/);
    assert.equal(connections, 0);
    assert.ok(!fs.existsSync(outside));
    assert.ok(!fs.existsSync(path.join(PACKAGE_ROOT, 'pwned.txt')));

    const beats = () => (fs.existsSync(path.join(workspace, 'heartbeat.txt')) ? fs.readFileSync(path.join(workspace, 'heartbeat.txt'), 'utf8').length : 0);
    const before = beats();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(beats(), before, 'the child died with the run');
  } finally {
    server.close();
  }
});

test('per-run limits turn an exhausted resource into a crash that names the limit', { skip }, async () => {
  const workspace = tempDir();
  const outDir = tempDir();
  fs.writeFileSync(path.join(workspace, 'files.mjs'), `import fs from 'node:fs'; const fds = []; for (;;) fds.push(fs.openSync('/dev/null', 'r'));`);
  fs.writeFileSync(path.join(workspace, 'memory.mjs'), `const keep = []; for (;;) keep.push(Buffer.alloc(64 * 2 ** 20, 1));`);
  const env = buildTrainingEnv(process.env, { budgetS: 20, seed: 1, experimentId: 1, outDir, pathPrefix: [] });
  const run = (script: string, limits: { memoryBytes: number | null; openFiles: number | null }) =>
    runTraining({
      command: `node ${script}`,
      cwd: workspace,
      env,
      budgetS: 20,
      graceS: 5,
      logPath: path.join(outDir, `${script}.log`),
      metric: 'val_loss',
      limits,
      isolation: isolationView(workspace, outDir, env.PATH!, undefined),
    });

  const files = await run('files.mjs', { memoryBytes: null, openFiles: 64 });
  assert.equal(files.status, 'crashed');
  assert.match(files.reason!, /open-file limit \(64\) was reached/);

  const memory = await run('memory.mjs', { memoryBytes: 512 * 2 ** 20, openFiles: null });
  assert.equal(memory.status, 'crashed');
  assert.match(memory.reason!, /memory limit \(0\.5 GiB\) was reached/);

  // Filling its /tmp quota is the script's crash, not the machine's problem.
  fs.writeFileSync(
    path.join(workspace, 'disk.mjs'),
    `import fs from 'node:fs'; const chunk = Buffer.alloc(2 ** 20, 1); for (let i = 0; ; i++) fs.writeFileSync('/tmp/fill-' + i, chunk);`,
  );
  const view = { ...isolationView(workspace, outDir, env.PATH!, undefined), tmpBytes: 8 * 2 ** 20 };
  const disk = await runTraining({
    command: 'node disk.mjs',
    cwd: workspace,
    env,
    budgetS: 20,
    graceS: 5,
    logPath: path.join(outDir, 'disk.log'),
    metric: 'val_loss',
    isolation: view,
  });
  assert.equal(disk.status, 'crashed');
  assert.match(disk.reason!, /disk space ran out/);
});
