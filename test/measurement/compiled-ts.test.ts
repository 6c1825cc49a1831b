import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { compileForRun, compiledDir } from '../../agent/measurement/compiled-ts.ts';
import { evaluationRequest, type MeasuredSession, trainingRequest } from '../../agent/measurement/run-request.ts';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { runTraining } from '../../agent/runner/run-training.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { REPO, tempDir } from '../helpers.ts';

/** A session folder as the loop lays it out (the workspace with its folders beside it), with a TypeScript sandbox in it. */
function session(bwrap = false): MeasuredSession {
  const root = tempDir('ns-compiled-');
  const workspace = path.join(root, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(path.join(workspace, 'train.ts'), "import { double } from './lib.ts';\nconst x: number = double(21);\nconsole.log('trained', x);\n");
  fs.writeFileSync(path.join(workspace, 'lib.ts'), 'export const double = (n: number): number => 2 * n;\n');
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'not code\n');
  const config = {
    command: 'node --import @nightshift/helpers/register train.ts',
    predict: 'true',
    evaluate: 'true',
    editable: ['train.ts'],
    readonly: ['lib.ts', 'notes.txt'],
    hidden: [],
  };
  return {
    session: { id: 1, seal: 'sealed', metric: 'val_loss' },
    sandbox: { dir: workspace, config },
    workspace: { dir: workspace },
    options: { budgetS: 5, graceS: 5, memoryGb: null, openFiles: null },
    isolation: { bwrap, warning: null },
    dbPath: path.join(root, 'log.db'),
    evaluation: null,
  } as unknown as MeasuredSession;
}

const row = { id: 3, seed: 1 } as ExperimentRow;
const tree = (opened: MeasuredSession) => ({ dir: opened.workspace.dir, modules: null });
const train = (opened: MeasuredSession, env: Record<string, string>) =>
  execa('node', ['--import', '@nightshift/helpers/register', 'train.ts'], {
    cwd: opened.workspace.dir,
    env: { ...env, NODE_PATH: '' },
    extendEnv: false,
    preferLocal: false,
    reject: false,
  });

test("the run's TypeScript is compiled before it starts, and the hooks load that text rather than compiling again", async () => {
  const opened = session();
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(opened.workspace.dir, 'node_modules'));
  const dir = await compileForRun(opened, tree(opened));
  assert.equal(dir, compiledDir(opened));
  const files = fs.readdirSync(dir);
  assert.equal(files.length, 3, 'train.ts, lib.ts and the helper: no text file');
  const env = trainingRequest(opened, row, {}, {}).env;
  assert.equal(env.NIGHTSHIFT_COMPILED, dir);
  assert.equal((await train(opened, env)).stdout, 'trained 42');

  // Proof that the folder is what the hooks read: a compiled text changed there is what runs...
  const lib = files.find((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('2 * n'))!;
  fs.writeFileSync(path.join(dir, lib), 'export const double = (n) => 3 * n;\n');
  fs.writeFileSync(path.join(dir, 'planted.js'), 'console.log("planted")\n');
  assert.equal((await train(opened, env)).stdout, 'trained 63');
  // ...and the agent removes what it did not write before the next run, so a change planted by one run never reaches another.
  await compileForRun(opened, tree(opened));
  assert.deepEqual(fs.readdirSync(dir).sort(), files.sort());
  assert.equal((await train(opened, env)).stdout, 'trained 42');
  // A file the folder lacks (the change's new text) is compiled by the hooks themselves.
  fs.writeFileSync(
    path.join(opened.workspace.dir, 'train.ts'),
    "import { double } from './lib.ts';\nconst y: number = double(1);\nconsole.log('changed', y);\n",
  );
  assert.equal((await train(opened, env)).stdout, 'changed 2');
});

test('the predictor gets the compiled folder; the evaluator, which trusts nothing a run could touch, does not', async () => {
  const opened = session();
  await compileForRun(opened, tree(opened));
  const request = evaluationRequest(opened, row, new AbortController().signal);
  assert.equal(request.predict?.env.NIGHTSHIFT_COMPILED, compiledDir(opened));
  assert.equal(request.evaluate.env.NIGHTSHIFT_COMPILED, undefined);
});

test('under bubblewrap a training script cannot write to the compiled folder', async (t) => {
  const probe = await probeBwrap();
  if (!probe.usable) return t.skip(probe.reason);
  const opened = session(true);
  const dir = await compileForRun(opened, tree(opened));
  fs.writeFileSync(
    path.join(opened.workspace.dir, 'plant.mjs'),
    `import fs from 'node:fs';
try { fs.writeFileSync(process.env.NIGHTSHIFT_COMPILED + '/planted.js', 'x'); console.log('wrote'); } catch (e) { console.log('refused ' + e.code); }
console.log('@ns {"final":true,"val_loss":1}');`,
  );
  const logPath = path.join(tempDir(), 'run.log');
  const result = await runTraining({ ...trainingRequest(opened, row, {}, {}), command: 'node plant.mjs', metric: 'val_loss', logPath });
  assert.equal(result.status, 'done', result.reason ?? '');
  assert.match(fs.readFileSync(logPath, 'utf8'), /^refused EROFS$/m);
  assert.ok(!fs.existsSync(path.join(dir, 'planted.js')));
});
