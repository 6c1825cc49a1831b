import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runEvaluation, type EvaluationProcess } from '../../agent/runner/evaluation.ts';
import { processesMarked, runMarks } from '../../agent/runner/leftovers.ts';
import { tempDir } from '../helpers.ts';

// A tiny evaluator speaking the relay protocol: asks the predictor to double numbers, scores the answers.
const EVALUATOR = `
const readline = require('node:readline');
const ask = (request) => console.log('@ns ' + JSON.stringify({ request }));
const answers = readline.createInterface({ input: process.stdin });
const inputs = [1, 2, 3];
let i = 0, error = 0;
console.log('a banner the evaluator printed');
ask({ x: inputs[0] });
answers.on('line', (line) => {
  error += Math.abs(JSON.parse(line).y - 2 * inputs[i]);
  if (++i < inputs.length) ask({ x: inputs[i] });
  else { console.log('@ns ' + JSON.stringify({ final: true, error, floor: 0 })); process.exit(0); }
});
answers.on('close', () => { if (i < inputs.length) { console.error('evaluate: the predictor stopped answering'); process.exit(1); } });
`;

function scripts(predictor: string): { evaluate: EvaluationProcess; predict: EvaluationProcess; logPath: string } {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'evaluate.cjs'), EVALUATOR);
  fs.writeFileSync(path.join(dir, 'predict.cjs'), predictor);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  return {
    evaluate: { command: `${process.execPath} evaluate.cjs`, cwd: dir, env, bwrap: null },
    predict: { command: `${process.execPath} predict.cjs`, cwd: dir, env, bwrap: null },
    logPath: path.join(dir, 'run.log'),
  };
}

const PREDICT = (answer: string) => `
const readline = require('node:readline');
console.log('a banner a library printed');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const { x } = JSON.parse(line);
  console.log('@ns ' + JSON.stringify({ y: ${answer} }));
});
`;

test('the evaluator reaches the predictor only through relayed lines; its final line sets the metric', async () => {
  const s = scripts(PREDICT('2 * x'));
  const result = await runEvaluation({ ...s, limitS: 30, metric: 'error' });
  assert.equal(result.status, 'done', result.reason ?? '');
  assert.equal(result.metric, 0);
  assert.equal(result.floor, 0);
  assert.equal(result.requests, 3);
  const log = fs.readFileSync(s.logPath, 'utf8');
  assert.match(log, /a banner a library printed/);
  assert.match(log, /a banner the evaluator printed/);
  assert.doesNotMatch(log, /request/);
});

test('a predictor that prints its own final line does not set the metric', async () => {
  const s = scripts(`${PREDICT('2 * x + 1')}\nprocess.stdin.on('end', () => console.log('@ns {"final":true,"error":-1}'));`);
  const result = await runEvaluation({ ...s, limitS: 30, metric: 'error' });
  assert.equal(result.status, 'done');
  assert.equal(result.metric, 3);
});

test('a predictor that dies is a crash naming it', async () => {
  const s = scripts(`console.error('predict: no weights in NIGHTSHIFT_OUT'); process.exit(3);`);
  const result = await runEvaluation({ ...s, limitS: 30, metric: 'error' });
  assert.equal(result.status, 'crashed');
  assert.match(result.reason!, /^predict exited with code 3 before the evaluation's final line: predict: no weights/);
});

test('a predictor a terminal signal killed as it started is started again with the evaluator', async () => {
  // The fork window's Ctrl-C (agent/runner/own-session.ts), played by the predictor on its first start.
  const s = scripts(`const fs = require('node:fs');
    if (!fs.existsSync('seen')) { fs.writeFileSync('seen', ''); process.kill(0, 'SIGINT'); }
    ${PREDICT('2 * x')}`);
  const result = await runEvaluation({ ...s, limitS: 30, metric: 'error' });
  assert.equal(result.status, 'done', result.reason ?? '');
  assert.equal(result.metric, 0);
  assert.match(fs.readFileSync(s.logPath, 'utf8'), /killed by a terminal signal as it started \(before it ran\): started again/);
});

test('a predictor that never answers is killed at the limit', async () => {
  const s = scripts(`setInterval(() => {}, 1000); process.stdin.resume();`);
  const result = await runEvaluation({ ...s, limitS: 1, metric: 'error' });
  assert.equal(result.status, 'timeout');
  assert.match(result.reason!, /killed after 1 s/);
});

test('a daemon the predictor starts outside its group does not outlive the evaluation', async () => {
  const s = scripts(`require('node:child_process').spawn('setsid', ['sleep', '1000'], { stdio: 'ignore', detached: true }).unref();\n${PREDICT('2 * x')}`);
  const marked = { NIGHTSHIFT_EXPERIMENT_ID: '987654', NIGHTSHIFT_OUT: path.join(s.predict.cwd, 'out') };
  const result = await runEvaluation({ ...s, predict: { ...s.predict, env: { ...s.predict.env, ...marked } }, limitS: 30, metric: 'error' });
  assert.equal(result.status, 'done');
  assert.deepEqual(processesMarked(runMarks(marked)), []);
});
