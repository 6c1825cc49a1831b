import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildTrainingEnv, PYTHON_HELPERS } from '../../agent/runner/env.ts';
import { processesMarked, runMarks } from '../../agent/runner/leftovers.ts';
import { limitMechanism } from '../../agent/runner/isolation/limits.ts';
import { runTraining, signalGroup, type TrainingRequest } from '../../agent/runner/run-training.ts';
import type { StepMetrics } from '../../agent/store/metrics.ts';
import { isAlive, tempDir, waitFor } from '../helpers.ts';

function request(dir: string, script: string, over: Partial<TrainingRequest> = {}): TrainingRequest {
  fs.writeFileSync(path.join(dir, 'train.mjs'), script);
  return {
    command: 'node train.mjs',
    cwd: dir,
    env: buildTrainingEnv({ PATH: process.env.PATH, HOME: process.env.HOME }, { budgetS: 2, seed: 7, experimentId: 1, outDir: dir, pathPrefix: [] }),
    budgetS: 2,
    graceS: 1,
    logPath: path.join(dir, 'run.log'),
    metric: 'val_loss',
    ...over,
  };
}

const final = (fields: object) => `console.log('@ns ' + JSON.stringify({ final: true, ...${JSON.stringify(fields)} }));`;

test('a clean run reports its metric, backend, steps, and keeps all output in the log file', async () => {
  const dir = tempDir();
  const steps: StepMetrics[] = [];
  const result = await runTraining(
    request(
      dir,
      `console.log('banner'); console.error('warning on stderr');
       console.log('@ns {"step":1,"elapsed_s":0.1,"train_loss":2.5}');
       console.log('@ns {oops');
       ${final({ val_loss: 1.25, backend: 'cpu' })}`,
      { onStep: (s) => steps.push(s) },
    ),
  );
  assert.equal(result.status, 'done');
  assert.equal(result.metric, 1.25);
  assert.equal(result.backend, 'cpu');
  assert.equal(result.exitCode, 0);
  assert.equal(result.invalidLines, 1);
  assert.deepEqual(steps, [{ step: 1, elapsed_s: 0.1, values: { train_loss: 2.5 } }]);
  const log = fs.readFileSync(path.join(dir, 'run.log'), 'utf8');
  for (const text of ['banner', 'warning on stderr', '@ns {"step":1', 'ignored a malformed @ns line']) assert.ok(log.includes(text), text);
});

test('a crash without a final line is crashed, with the last error line as the reason', async () => {
  const result = await runTraining(request(tempDir(), `console.error('RuntimeError: out of memory'); process.exit(3);`));
  assert.equal(result.status, 'crashed');
  assert.equal(result.exitCode, 3);
  assert.match(result.reason!, /exited with code 3.*out of memory/);
});

test('a run a terminal signal killed as it started, before it printed a line, is started again; one that printed first is crashed', async () => {
  // What a Ctrl-C caught between fork and setsid does (agent/runner/own-session.ts), played by the script on its first start: a SIGINT to its whole group, the shell that started it included.
  const dir = tempDir();
  const once = `import fs from 'node:fs';
    fs.appendFileSync('starts', 'x');
    if (!fs.existsSync('seen')) { fs.writeFileSync('seen', ''); process.kill(0, 'SIGINT'); await new Promise(() => {}); }
    ${final({ val_loss: 1.5 })}`;
  const result = await runTraining(request(dir, once));
  assert.equal(result.status, 'done', result.reason ?? '');
  assert.equal(fs.readFileSync(path.join(dir, 'starts'), 'utf8'), 'xx');
  assert.match(fs.readFileSync(path.join(dir, 'run.log'), 'utf8'), /a SIGINT killed the run as it started \(before it ran\): started again/);

  const printed = await runTraining(request(tempDir(), `console.log('loading'); process.kill(0, 'SIGINT'); await new Promise(() => {});`));
  assert.equal(printed.status, 'crashed');
  assert.match(printed.reason!, /killed by SIGINT without a final line: loading/);
});

test('a script that never prints a final metric is crashed, not done', async () => {
  const result = await runTraining(request(tempDir(), `console.log('@ns {"step":1,"train_loss":1}');`));
  assert.equal(result.status, 'crashed');
  assert.match(result.reason!, /without a final line/);
});

test('a final line without the metric is crashed and names the metric', async () => {
  const result = await runTraining(request(tempDir(), final({ accuracy: 0.9 })));
  assert.equal(result.status, 'crashed');
  assert.match(result.reason!, /no numeric val_loss/);
});

test('NaN, infinite and null metrics are diverged', async () => {
  for (const literal of ['NaN', 'Infinity', 'null']) {
    const result = await runTraining(request(tempDir(), `console.log('@ns {"final": true, "val_loss": ${literal}}');`));
    assert.equal(result.status, 'diverged', literal);
    assert.equal(result.metric, null);
  }
});

test('a hung script is killed at budget + grace, with the children it started', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'child.pid');
  const started = Date.now();
  const result = await runTraining(
    request(
      dir,
      `import { spawn } from 'node:child_process'; import fs from 'node:fs';
       const child = spawn('sleep', ['60'], { stdio: 'ignore' });
       fs.writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
       setInterval(() => {}, 1000);`,
      { budgetS: 1, graceS: 1 },
    ),
  );
  assert.equal(result.status, 'timeout');
  assert.ok(Date.now() - started < 10_000, 'killed promptly');
  const childPid = Number(fs.readFileSync(pidFile, 'utf8'));
  await waitFor(() => !isAlive(childPid), 5000, 'the grandchild to die');
});

test('a child that tries to outlive a finished run is killed with it', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'child.pid');
  const result = await runTraining(
    request(
      dir,
      `import { spawn } from 'node:child_process'; import fs from 'node:fs';
       const child = spawn('sleep', ['60'], { stdio: 'ignore', detached: false });
       child.unref();
       fs.writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
       ${final({ val_loss: 1 })}`,
    ),
  );
  assert.equal(result.status, 'done');
  const childPid = Number(fs.readFileSync(pidFile, 'utf8'));
  await waitFor(() => !isAlive(childPid), 5000, 'the leftover child to die');
});

test('aborting stops the run at once and reports it as interrupted', async () => {
  const controller = new AbortController();
  const running = runTraining(request(tempDir(), `setInterval(() => {}, 1000);`, { budgetS: 60, signal: controller.signal }));
  setTimeout(() => controller.abort(), 300);
  const result = await running;
  assert.equal(result.status, 'interrupted');
  assert.ok(result.runS < 10);
});

test('the training process sees no secret and only the allowlist plus NIGHTSHIFT_* variables', async () => {
  const dir = tempDir();
  const parent = {
    PATH: process.env.PATH,
    HOME: '/home/someone',
    ANTHROPIC_API_KEY: 'sk-ant-planted',
    GITHUB_TOKEN: 'ghp-planted',
    AWS_SECRET_ACCESS_KEY: 'planted',
    MY_PASSWORD: 'planted',
    RANDOM_VARIABLE: 'planted',
    CUDA_VISIBLE_DEVICES: '0',
  };
  const env = buildTrainingEnv(parent, { budgetS: 5, seed: 3, experimentId: 42, outDir: dir, pathPrefix: ['/opt/bin'] });
  const result = await runTraining(
    request(dir, `console.log('@ns ' + JSON.stringify({ final: true, val_loss: 1, env: JSON.stringify(process.env) }));`, { env }),
  );
  const seen = JSON.parse(String(result.final!.env)) as Record<string, string>;
  const serialized = JSON.stringify(seen);
  assert.ok(!serialized.includes('planted'), 'no planted value reaches the script');
  assert.equal(seen.ANTHROPIC_API_KEY, undefined);
  assert.equal(seen.NIGHTSHIFT_BUDGET_S, '5');
  assert.equal(seen.NIGHTSHIFT_SEED, '3');
  assert.equal(seen.NIGHTSHIFT_EXPERIMENT_ID, '42');
  assert.equal(seen.NIGHTSHIFT_OUT, dir);
  assert.equal(seen.CUDA_VISIBLE_DEVICES, '0');
  assert.ok(seen.PATH!.startsWith('/opt/bin:'));
  assert.equal(seen.PYTHONPATH, PYTHON_HELPERS, 'the Python helper is importable, and nothing else of the parent is on the path');
  const allowed = /^(PATH|PYTHONPATH|HOME|CUDA_VISIBLE_DEVICES|NIGHTSHIFT_(BUDGET_S|SEED|EXPERIMENT_ID|OUT))$/;
  // node and the shell add a few of their own (PWD, SHLVL, _); nothing else of the parent's.
  for (const name of Object.keys(seen)) assert.ok(allowed.test(name) || ['PWD', 'SHLVL', '_', 'OLDPWD'].includes(name), name);
});

test('garbage, binary noise and a 10 MB line are log text; the final line still counts; the log is capped', async () => {
  const dir = tempDir();
  const result = await runTraining(
    request(
      dir,
      `process.stdout.write(Buffer.from([0, 1, 2, 255, 254, 10]));
       process.stdout.write('x'.repeat(10 * 2 ** 20) + '\\n');
       console.log('@ns {"step": 1, "train_loss": 2}');
       console.log('@ns ' + '{'.repeat(1000));
       ${final({ val_loss: 0.5 })}`,
      { logCapBytes: 2 ** 20 },
    ),
  );
  assert.equal(result.status, 'done');
  assert.equal(result.metric, 0.5);
  assert.equal(result.invalidLines, 1);
  const log = fs.readFileSync(path.join(dir, 'run.log'), 'utf8');
  assert.ok(log.length < 2 ** 20 + 200, `log is ${log.length} bytes`);
  assert.match(log, /log truncated at 1048576 bytes/);
});

test('NIGHTSHIFT_STEPS is passed only once the configuration has a step plan', () => {
  const base = { budgetS: 1, seed: 1, experimentId: 1, outDir: '/o', pathPrefix: [] };
  assert.equal(buildTrainingEnv({}, base).NIGHTSHIFT_STEPS, undefined);
  assert.equal(buildTrainingEnv({}, { ...base, steps: null }).NIGHTSHIFT_STEPS, undefined);
  assert.equal(buildTrainingEnv({}, { ...base, steps: 1234 }).NIGHTSHIFT_STEPS, '1234');
  assert.equal(buildTrainingEnv({ NIGHTSHIFT_CACHE: '/c' }, base).NIGHTSHIFT_CACHE, undefined);
});

test("the Python helper's folder comes first on PYTHONPATH, before the agent's own entries", () => {
  const base = { budgetS: 1, seed: 1, experimentId: 1, outDir: '/o', pathPrefix: [] };
  assert.equal(buildTrainingEnv({}, base).PYTHONPATH, PYTHON_HELPERS);
  assert.equal(buildTrainingEnv({ PYTHONPATH: '/site:/more' }, base).PYTHONPATH, `${PYTHON_HELPERS}:/site:/more`);
  assert.ok(fs.existsSync(path.join(PYTHON_HELPERS, 'nightshift.py')));
});

test('an endless line is cut at the line cap and the run goes on to its final line', async () => {
  const dir = tempDir();
  const result = await runTraining(request(dir, `process.stdout.write('x'.repeat(5 * 2 ** 20)); console.log(); ${final({ val_loss: 0.5 })}`));
  assert.equal(result.status, 'done');
  assert.equal(result.metric, 0.5);
  assert.equal(result.cutLines, 1);
  assert.match(fs.readFileSync(path.join(dir, 'run.log'), 'utf8'), /a line of over 1048576 bytes was cut/);
});

test('step lines past the cap are parsed, not forwarded, and counted', async () => {
  const dir = tempDir();
  let forwarded = 0;
  const result = await runTraining(
    request(dir, `for (let i = 1; i <= 30; i++) console.log('@ns ' + JSON.stringify({ step: i, loss: 1 / i })); ${final({ val_loss: 0.5 })}`, {
      maxStepRows: 10,
      onStep: () => forwarded++,
    }),
  );
  assert.equal(result.status, 'done');
  assert.equal(forwarded, 10);
  assert.equal(result.stepsDropped, 20);
  assert.equal(fs.readFileSync(path.join(dir, 'run.log'), 'utf8').match(/more than 10 step lines/g)?.length, 1);
});

test('a daemon the script started with setsid does not outlive the run', async () => {
  const dir = tempDir();
  const req = request(
    dir,
    `require('node:child_process').spawn('setsid', ['sh', '-c', 'sleep 1000'], { stdio: 'inherit', detached: true }).unref(); ${final({ val_loss: 0.5 })}`,
  );
  fs.renameSync(path.join(dir, 'train.mjs'), path.join(dir, 'train.cjs'));
  const result = await runTraining({ ...req, command: 'node train.cjs' });
  assert.equal(result.status, 'done');
  assert.deepEqual(processesMarked(runMarks(req.env)), []);
});

test('a run that writes past its disk quota is killed, and the reason names the quota', async () => {
  const dir = tempDir();
  const req = request(
    dir,
    `import fs from 'node:fs'; const chunk = Buffer.alloc(2 ** 20, 1); let i = 0; setInterval(() => fs.writeFileSync('big-' + (i++ % 1000), chunk), 2);`,
    {
      budgetS: 30,
      diskQuotaBytes: 16 * 2 ** 20,
    },
  );
  const started = Date.now();
  const result = await runTraining(req);
  assert.equal(result.status, 'crashed');
  assert.equal(result.reason, 'its disk quota (16 MiB over the workspace and NIGHTSHIFT_OUT) was reached');
  assert.ok(Date.now() - started < 10_000);
  assert.match(fs.readFileSync(path.join(dir, 'run.log'), 'utf8'), /disk quota .* was reached: the run is killed/);
});

const cgroup = (await limitMechanism()).kind !== 'ulimit';

test('a fork bomb crashes at the process limit, and a run whose children together pass the memory limit crashes at it', {
  skip: cgroup ? false : 'no writable cgroup here',
  timeout: 60_000,
}, async () => {
  const bomb = request(
    tempDir(),
    `const { spawn } = await import('node:child_process');
    const fork = () => { const c = spawn('sh', ['-c', 'sleep 30'], { stdio: 'ignore' }); c.on('error', (e) => { console.error('fork failed: ' + e.message); process.exit(1); }); };
    setInterval(() => { for (let i = 0; i < 20; i++) fork(); }, 10);`,
    { budgetS: 30, limits: { memoryBytes: null, openFiles: null, processes: 64 } },
  );
  const forked = await runTraining(bomb);
  assert.equal(forked.status, 'crashed');
  assert.match(forked.reason!, /^the process limit \(64\) was reached: /);

  const child = `const b = Buffer.alloc(400 * 2 ** 20, 1); setTimeout(() => console.log(b.length), 3000)`;
  const memory = request(
    tempDir(),
    `const { execSync } = await import('node:child_process');
    execSync('for i in 1 2 3 4; do node -e "${child}" & done; wait', { stdio: 'inherit' }); process.exit(3);`,
    { budgetS: 30, limits: { memoryBytes: 2 ** 30, openFiles: null } },
  );
  const held = await runTraining(memory);
  assert.equal(held.status, 'crashed');
  assert.match(held.reason!, /^the memory limit \(1\.0 GiB\) was reached by the run's processes together: /);
});

test('signalling a group that is gone is quiet; any other failure to signal is thrown', () => {
  // Above Linux's largest pid: no such process group (ESRCH).
  signalGroup(2 ** 22 + 1, 'SIGTERM');
  assert.throws(() => signalGroup(2 ** 22 + 1, 'SIGNOTONE' as NodeJS.Signals), { code: 'ERR_UNKNOWN_SIGNAL' });
});
