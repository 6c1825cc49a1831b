import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { OUTPUT_LOG, prepareRunFolder, RESULT_FILE } from '../../agent/executors/run-folder.ts';
import { LINE_CAP } from '../../agent/runner/output-reader.ts';
import { type TailRequest, tailOutput } from '../../agent/runner/tail-output.ts';
import type { StepMetrics } from '../../agent/store/metrics.ts';
import { tempDir, waitFor } from '../helpers.ts';

/**
 * A real run folder: the executors' wrapper runs `node -e script` in it, writing output.log and then
 * result.json. `script` has `w(text)` (one write to stdout) and `pause(ms)`.
 */
function runFolder(script: string) {
  const dir = path.join(tempDir(), 'ns-1-2-1');
  const body = `const w = (t) => process.stdout.write(t); const pause = (ms) => new Promise((r) => setTimeout(r, ms)); (async () => { ${script} })();`;
  const wrapper = prepareRunFolder({ name: 'ns-1-2-1', runDir: dir, cwd: dir, argv: [process.execPath, '-e', body], env: { PATH: process.env.PATH ?? '' } });
  const file = path.join(dir, OUTPUT_LOG);
  const ended = () => fs.existsSync(path.join(dir, RESULT_FILE));
  return {
    dir,
    file,
    ended,
    /** Starts the wrapper detached, as an executor would; resolves when it has written result.json. */
    start() {
      const child = spawn('/bin/sh', [wrapper], { stdio: 'ignore', detached: true });
      return { child, done: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
    },
    /** Runs it to its end. */
    run: () => promisify(execFile)('/bin/sh', [wrapper]),
  };
}

function collect(extra: Partial<TailRequest> & Pick<TailRequest, 'file' | 'ended'>) {
  const steps: StepMetrics[] = [];
  let log = '';
  const result = tailOutput({ pollMs: 30, onStep: (s) => steps.push(s), log: (text) => (log += text), ...extra });
  return { steps, log: () => log, result };
}

test('a run written slowly is followed as it goes: steps while it runs, a line split across writes, stderr, the final line', async () => {
  const run = runFolder(`
    for (let step = 1; step <= 3; step++) { w('@ns ' + JSON.stringify({ step, elapsed_s: step / 10, train_loss: 3 - step / 10 }) + '\\n'); await pause(150); }
    w('@ns {"step":4,'); await pause(200); w('"train_loss":2.5}\\r\\nplain text\\n');
    console.error('a warning on stderr');
    await pause(100);
    w('@ns {"final":true,"val_loss":1.25,"steps":4}\\n');`);
  const tail = collect({ file: run.file, ended: run.ended });
  const { done } = run.start();
  await waitFor(() => tail.steps.length >= 1, 10_000, 'the first step');
  assert.ok(!run.ended(), 'the first step arrives while the run still goes');
  await done;
  const result = await tail.result;
  assert.deepEqual(
    tail.steps.map((s) => [s.step, s.values.train_loss]),
    [
      [1, 2.9],
      [2, 2.8],
      [3, 2.7],
      [4, 2.5],
    ],
  );
  assert.deepEqual(result.final, { final: true, val_loss: 1.25, steps: 4 });
  assert.equal(result.finalLines, 1);
  assert.equal(result.aborted, false);
  assert.equal(result.offset, fs.statSync(run.file).size);
  assert.deepEqual(result.tail, ['plain text', 'a warning on stderr']);
  assert.match(tail.log(), /^@ns \{"step":1,/);
  assert.match(tail.log(), /plain text\na warning on stderr\n@ns \{"final":true/);
});

test('a line longer than the cap is cut there, the rest of it dropped, and reading goes on', async () => {
  const run = runFolder(`
    const piece = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 6; i++) { w(piece); await pause(20); }
    w('\\n@ns {"step":1,"loss":1}\\n@ns {"final":true,"val_loss":2}\\n');`);
  const lines: [number, boolean][] = [];
  const tail = collect({ file: run.file, ended: run.ended, log: (text) => lines.push([Buffer.byteLength(text), text.startsWith('[nightshift]')]) });
  await run.start().done;
  const result = await tail.result;
  assert.equal(result.cutLines, 1);
  assert.deepEqual(lines[0], [LINE_CAP + 1, false], 'the cut line holds exactly the cap (and its newline)');
  assert.deepEqual(lines[1]?.[1], true, 'a note says a line was cut');
  assert.equal(tail.steps.length, 1);
  assert.deepEqual(result.final, { final: true, val_loss: 2 });

  const small = collect({ file: run.file, ended: run.ended, lineCap: 1000 });
  assert.equal((await small.result).cutLines, 1);
  assert.match(small.log(), /^x{1000}\n\[nightshift\] a line of over 1000 bytes was cut/);
});

test('started after the run ended (an agent restarted), it reads the whole file and returns at once', async () => {
  const run = runFolder(
    `w('@ns {"step":1}\\n@ns {"bad json\\n@ns {"step":2}\\n@ns {"final":true,"val_loss":3}\\n@ns {"final":true,"val_loss":3}\\nno newline at the end');`,
  );
  await run.run();
  const started = performance.now();
  const tail = collect({ file: run.file, ended: run.ended, pollMs: 5000, maxStepRows: 1 });
  const result = await tail.result;
  assert.ok(performance.now() - started < 2000, 'no poll interval was waited');
  assert.deepEqual(
    tail.steps.map((s) => s.step),
    [1],
  );
  assert.equal(result.stepsDropped, 1);
  assert.equal(result.invalidLines, 1);
  assert.equal(result.finalLines, 2, 'a repeated final line is counted, as the rule on forged finals needs');
  assert.deepEqual(result.tail, ['no newline at the end']);
  assert.match(tail.log(), /ignored a malformed @ns line/);
  assert.match(tail.log(), /more than 1 step lines/);
});

test('from an offset: at a line start it reads from there, in the middle of a line it skips the rest of that line', async () => {
  const run = runFolder(`w('@ns {"step":1}\\r\\n@ns {"step":2}\\n@ns {"step":3}\\n');`);
  await run.run();
  const text = fs.readFileSync(run.file, 'utf8');
  const second = text.indexOf('@ns {"step":2}');
  const atLine = collect({ file: run.file, ended: run.ended, from: second });
  await atLine.result;
  assert.deepEqual(
    atLine.steps.map((s) => s.step),
    [2, 3],
  );
  const midLine = collect({ file: run.file, ended: run.ended, from: second - 5 });
  await midLine.result;
  assert.deepEqual(
    midLine.steps.map((s) => s.step),
    [2, 3],
  );
  // Between the \r and the \n of one break: the \n is not read as an empty line.
  const inBreak = collect({ file: run.file, ended: run.ended, from: second - 1 });
  await inBreak.result;
  assert.doesNotMatch(inBreak.log(), /^\n/);
  assert.deepEqual(
    inBreak.steps.map((s) => s.step),
    [2, 3],
  );
  const later = collect({ file: run.file, ended: run.ended, from: (await atLine.result).offset });
  assert.deepEqual([(await later.result).offset, later.steps.length], [text.length, 0]);
});

test('aborting stops a tail of a run that never ends, promptly, without a half line', async () => {
  const run = runFolder(`w('@ns {"step":1}\\n@ns {"final":true,'); await pause(60_000);`);
  const { child, done } = run.start();
  await waitFor(() => fs.existsSync(run.file) && fs.readFileSync(run.file, 'utf8').endsWith('"final":true,'), 10_000, 'the output');
  const controller = new AbortController();
  // A long poll interval: the tail is asleep in it when the abort comes.
  const tail = collect({ file: run.file, ended: run.ended, signal: controller.signal, pollMs: 10_000 });
  await waitFor(() => tail.steps.length === 1, 10_000, 'the first step');
  const started = performance.now();
  controller.abort();
  const result = await tail.result;
  assert.ok(performance.now() - started < 1000, 'the abort did not wait for the poll interval');
  assert.equal(result.aborted, true);
  assert.equal(result.final, null);
  assert.doesNotMatch(tail.log(), /"final":true,\n/);
  process.kill(-child.pid!, 'SIGTERM');
  await done;
});

test('a run that ended without ever making output.log gives an empty result', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, RESULT_FILE), '{}');
  const tail = collect({ file: path.join(dir, OUTPUT_LOG), ended: () => fs.existsSync(path.join(dir, RESULT_FILE)) });
  const result = await tail.result;
  assert.deepEqual([result.final, result.offset, result.aborted, tail.steps.length], [null, 0, false, 0]);
});

test('a tail started before the run exists waits for output.log to appear', async () => {
  const run = runFolder('');
  fs.rmSync(run.dir, { recursive: true, force: true });
  const tail = collect({ file: run.file, ended: run.ended });
  await new Promise((r) => setTimeout(r, 200));
  // The run starts late: its folder, then its log in two writes, then its result.
  fs.mkdirSync(run.dir, { recursive: true });
  fs.writeFileSync(run.file, '@ns {"step":7}\n');
  await new Promise((r) => setTimeout(r, 100));
  fs.appendFileSync(run.file, '@ns {"final":true,"val_loss":1}\n');
  fs.writeFileSync(path.join(run.dir, RESULT_FILE), '{}');
  const result = await tail.result;
  assert.deepEqual(result.final, { final: true, val_loss: 1 });
  assert.deepEqual(
    tail.steps.map((s) => s.step),
    [7],
  );
});

test('a process the command left behind, writing on after result.json, does not keep the tail going', async () => {
  const leftover = `const b = 'left behind\\n'.repeat(1500); const end = Date.now() + 3000; const t = setInterval(() => { process.stdout.write(b); if (Date.now() > end) clearInterval(t); }, 1);`;
  const run = runFolder(`
    const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(leftover)}], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    c.unref();
    w('@ns {"leftover":' + c.pid + ',"final":true,"val_loss":1}\\n');`);
  const tail = collect({ file: run.file, ended: run.ended, log: () => {} });
  await run.start().done;
  const ended = fs.statSync(run.file).size;
  const result = await tail.result;
  const pid = result.final?.leftover as number;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    // It may have ended on its own already.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  assert.deepEqual(result.final?.val_loss, 1);
  assert.ok(result.offset < ended + 5 * 2 ** 20, `the tail read ${result.offset} bytes; the file had ${ended} when the run ended`);
});
