/**
 * The PyTorch template as nightshift runs it: training in a workspace (editable + read-only files),
 * then the sealed evaluation through the runner's relay, evaluate.py in a folder of its own
 * (read-only + hidden files). Tests that need PyTorch skip with a reason where no python3 has it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { PYTHON_HELPERS } from '../../agent/runner/env.ts';
import { runEvaluation, type EvaluationResult } from '../../agent/runner/evaluation.ts';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { syntheticData, userData } from '../../sandbox/prepare.ts';
import { syntheticValidation, userValidation } from '../../sandbox/validation.ts';
import { FIXTURES, ROOT, SANDBOX, tempDir } from './run-sandbox.ts';

const TORCH = path.join(ROOT, 'templates/torch');
const FILES = z
  .object({ editable: z.array(z.string()), readonly: z.array(z.string()), hidden: z.array(z.string()) })
  .parse(JSON.parse(fs.readFileSync(path.join(TORCH, 'nightshift.json'), 'utf8')));

const works = (python: string, code: string) => spawnSync(python, ['-c', code], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }).status === 0;
const anyPython = works('python3', 'pass');
// The python3 first on PATH may lack torch where the system's has it (Debian's python3-torch).
const PYTHON = ['python3', '/usr/bin/python3'].find((p) => works(p, 'import torch, numpy'));
const noTorch = !PYTHON && 'no python3 here has torch and numpy';
/** Every process of a run finds this python as `python3`, as nightshift.json names it. */
const PY_PATH = [...(PYTHON?.includes('/') ? [path.dirname(PYTHON)] : []), process.env.PATH ?? '/usr/bin:/bin'].join(':');
/** The helper (`import nightshift`) on PYTHONPATH, as nightshift's runner puts it. */
const ENV = { PATH: PY_PATH, HOME: process.env.HOME ?? '/', PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: PYTHON_HELPERS };

function python(code: string): string {
  return execFileSync(PYTHON ?? 'python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(TORCH)})\n${code}`], { encoding: 'utf8', env: ENV });
}

const TrainFinal = z
  .object({
    final: z.literal(true),
    train_loss: z.number().nonnegative().nullable(),
    diverged: z.literal(true).optional(),
    steps: z.number().int().positive(),
    planned_steps: z.number().int().positive(),
    plan_lead: z.number().int().positive().optional(),
    plan_shape: z.string().regex(/^[0-9a-f]{16}$/),
    stopped: z.literal('deadline').optional(),
    params: z.number().int().positive(),
    tokens_per_s: z.number().positive(),
    elapsed_s: z.number().positive(),
    device: z.string().regex(/^(cpu|cuda)/),
    peak_mem_mb: z.number().positive().optional(),
  })
  .strict();

function copy(files: string[], patch?: (train: string) => string): string {
  const dir = tempDir('ns-torch-');
  for (const file of files) fs.copyFileSync(path.join(TORCH, file), path.join(dir, file));
  if (patch) fs.writeFileSync(path.join(dir, 'train.py'), patch(fs.readFileSync(path.join(dir, 'train.py'), 'utf8')));
  return dir;
}

interface Run {
  workspace: string;
  out: string;
  final: z.infer<typeof TrainFinal>;
  stdout: string;
}

/** Trains in a fresh workspace: the editable and read-only files only, as nightshift copies them. */
function train(env: Record<string, string>, patch?: (train: string) => string): Run {
  const workspace = copy([...FILES.editable, ...FILES.readonly], patch);
  const out = tempDir('ns-torch-out-');
  const stdout = execFileSync('python3', ['train.py'], { cwd: workspace, encoding: 'utf8', env: { ...ENV, NIGHTSHIFT_OUT: out, ...env } });
  const finals = stdout.split('\n').filter((l) => l.startsWith('@ns {"final"'));
  return { workspace, out, stdout, final: TrainFinal.parse(JSON.parse(finals.at(-1)!.slice(4))) };
}

/** The sealed evaluation of a trained run: evaluate.py (read-only + hidden files) <-> train.py predict. */
function evaluate(run: Run): Promise<EvaluationResult> {
  const folder = copy([...FILES.readonly, ...FILES.hidden]);
  const config = JSON.parse(fs.readFileSync(path.join(TORCH, 'nightshift.json'), 'utf8')) as { predict: string; evaluate: string };
  return runEvaluation({
    evaluate: { command: config.evaluate, cwd: folder, env: ENV, bwrap: null },
    predict: { command: config.predict, cwd: run.workspace, env: { ...ENV, NIGHTSHIFT_OUT: run.out }, bwrap: null },
    limitS: 120,
    logPath: path.join(folder, 'run.log'),
    metric: 'val_bpb',
  });
}

test("a configuration of a shape already planned trains that shape's steps without timing; a learning rate keeps the shape, a layer count does not", {
  skip: noTorch,
}, () => {
  const shape = (patch?: (train: string) => string) =>
    JSON.parse(
      python(
        `import json, runpy\ng = runpy.run_path(${JSON.stringify(path.join(copy(FILES.editable, patch), 'train.py'))}, run_name='shape')\nprint(json.dumps(g['shape_key']()))`,
      ),
    );
  const key = shape();
  assert.match(key, /^[0-9a-f]{16}$/);
  assert.equal(
    shape((t) => t.replace('lr=1e-2,', 'lr=3e-3,')),
    key,
    'the learning rate does not change what a step costs',
  );
  assert.notEqual(
    shape((t) => t.replace('layers=2,', 'layers=3,')),
    key,
  );
  assert.notEqual(
    shape((t) => t.replace('dropout=0,', 'dropout=0.1,')),
    key,
    'dropout on costs more than off',
  );

  const lr = (t: string) => t.replace('lr=1e-2,', 'lr=3e-3,');
  const planned = train({ NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '1', NIGHTSHIFT_SHAPE_STEPS: JSON.stringify({ [key]: 7, [`${key}~lead`]: 40 }) }, lr);
  assert.match(planned.stdout, /its shape planned before/);
  assert.deepEqual([planned.final.steps, planned.final.planned_steps, planned.final.plan_shape], [7, 7, key]);
});

test('every .py file of the torch template compiles', { skip: !anyPython && 'python3 is not installed' }, () => {
  const files = fs
    .readdirSync(TORCH)
    .filter((f) => f.endsWith('.py'))
    .map((f) => path.join(TORCH, f));
  assert.equal(files.length, 4);
  execFileSync('python3', ['-c', `for f in ${JSON.stringify(files)}: compile(open(f, encoding='utf-8').read(), f, 'exec')`]);
});

test('the template is sealed: evaluate.py is hidden, training imports nothing hidden', () => {
  const config = JSON.parse(fs.readFileSync(path.join(TORCH, 'nightshift.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([config.command, config.predict, config.evaluate], ['python3 train.py', 'python3 train.py predict', 'python3 evaluate.py']);
  assert.deepEqual(FILES.hidden, ['evaluate.py']);
  for (const file of [...FILES.editable, ...FILES.readonly].filter((f) => f.endsWith('.py'))) {
    assert.doesNotMatch(fs.readFileSync(path.join(TORCH, file), 'utf8'), /^\s*(from|import)\s+evaluate\b/m, file);
  }
});

test('train.py has the same markers as train.ts, and source.json is the same grammar', () => {
  const ts = parseMarkers('train.ts', fs.readFileSync(path.join(SANDBOX, 'train.ts'), 'utf8'));
  const py = parseMarkers('train.py', fs.readFileSync(path.join(TORCH, 'train.py'), 'utf8'));
  assert.deepEqual(py.problems, []);
  const shape = (ms: typeof ts.markers) => ms.map((m) => [m.name, m.value, m.marker, m.alternatives, m.domain]);
  assert.deepEqual(shape(py.markers), shape(ts.markers));
  assert.ok(py.markers.every((m) => m.style.python));
  assert.equal(fs.readFileSync(path.join(TORCH, 'source.json'), 'utf8'), fs.readFileSync(path.join(SANDBOX, 'source.json'), 'utf8'));
});

test('the synthetic corpus, validation text and floor are those of the TF.js sandbox', { skip: noTorch }, () => {
  const out = JSON.parse(
    python(
      [
        'import hashlib, json',
        'from prepare import synthetic_training',
        'from evaluate import floor_bpb, synthetic_validation',
        't, v = synthetic_training(), synthetic_validation()',
        'h = hashlib.sha256(json.dumps(t.train, separators=(",", ":")).encode()).hexdigest()',
        'print(json.dumps([t.vocab, len(t.train), h, v.vocab, v.context, v.val, floor_bpb(v)]))',
      ].join('\n'),
    ),
  ) as [string[], number, string, string[], number[], number[], number];
  const t = syntheticData();
  const v = syntheticValidation();
  assert.deepEqual(out.slice(0, 3), [
    t.vocab,
    t.train.length,
    createHash('sha256')
      .update(JSON.stringify([...t.train]))
      .digest('hex'),
  ]);
  assert.deepEqual(out.slice(3, 6), [v.vocab, [...v.context], [...v.val]]);
  assert.equal(out[6], v.floor);
});

test('prepare.py and evaluate.py split user text exactly as prepare.ts and validation.ts do, and reject the same bad files', { skip: noTorch }, () => {
  for (const name of ['lighthouse.txt', 'voyages.txt']) {
    const file = path.join(FIXTURES, name);
    const code = `import json; from prepare import user_training; from evaluate import user_validation\nt, v = user_training(${JSON.stringify(file)}), user_validation(${JSON.stringify(file)})\nprint(json.dumps([t.vocab, len(t.train), v.vocab, v.context, v.val]))`;
    const t = userData(file);
    const v = userValidation(file);
    assert.deepEqual(JSON.parse(python(code)), [t.vocab, t.train.length, v.vocab, [...v.context], [...v.val]]);
  }
  for (const name of ['empty.txt', 'tiny.txt', 'latin1.txt']) {
    const file = path.join(FIXTURES, name);
    const message = python(
      `from prepare import user_training\nfrom nightshift import UsageError\ntry:\n    user_training(${JSON.stringify(file)})\nexcept UsageError as e:\n    print(e)`,
    ).trim();
    assert.throws(() => userData(file), { message });
  }
});

/** A session's cache as nightshift makes it: the prepare command of nightshift.json, run once in a workspace. */
function prepared(data?: string): string {
  const cache = tempDir('ns-torch-cache-');
  const config = JSON.parse(fs.readFileSync(path.join(TORCH, 'nightshift.json'), 'utf8')) as { prepare: string };
  const [program, ...args] = config.prepare.split(' ');
  const env = { ...ENV, NIGHTSHIFT_CACHE: cache, ...(data ? { NIGHTSHIFT_DATA: data } : {}) };
  execFileSync(program!, args, { cwd: copy([...FILES.editable, ...FILES.readonly]), env });
  return cache;
}

test("prepare.py saves the session's corpus once; it is read back only for its own data, and without NIGHTSHIFT_CACHE it refuses in one line", {
  skip: !anyPython && 'python3 is not installed',
}, () => {
  const user = path.join(FIXTURES, 'lighthouse.txt');
  const cache = prepared(user);
  const read = (data: string) =>
    JSON.parse(
      python(
        `import json\nfrom prepare import load_training\nd = load_training(${data}, ${JSON.stringify(cache)})\nprint(json.dumps([d.cached, d.origin, len(d.train)]))`,
      ),
    ) as [boolean, string, number];
  assert.deepEqual(read(JSON.stringify(user)), [true, user, userData(user).train.length]);
  assert.deepEqual(read('None'), [false, 'synthetic', syntheticData().train.length], 'a cache of other data is not this corpus');
  const refused = spawnSync('python3', ['prepare.py'], { cwd: TORCH, env: ENV, encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, 'prepare.py: NIGHTSHIFT_CACHE is not set: prepare.py saves the corpus there for the runs of a session\n');
});

test('a timed run plans its steps; the same seed and NIGHTSHIFT_STEPS repeat it exactly, another seed differs; the evaluation scores above the floor', {
  skip: noTorch,
}, async () => {
  const timed = train({ NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '1' });
  assert.equal(timed.final.steps, timed.final.planned_steps);
  assert.match(timed.stdout, /timed now/);
  // As nightshift hands them on: the plan, and the provisional plan the timed run's lead-in ran on.
  assert.ok(Number(timed.final.plan_lead) > 0, 'a timed run says its lead');
  const plan = { NIGHTSHIFT_STEPS: String(timed.final.planned_steps), NIGHTSHIFT_LEAD_STEPS: String(timed.final.plan_lead) };
  // The corpus as the session's prepare command saves it once: a run reading it trains exactly as one that made its own.
  const again = train({ NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '1', NIGHTSHIFT_CACHE: prepared(), ...plan });
  assert.match(again.stdout, /synthetic data \(NIGHTSHIFT_CACHE\)/);
  const other = train({ NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '2', ...plan });
  assert.match(again.stdout, /NIGHTSHIFT_STEPS/);
  assert.equal(again.final.steps, timed.final.steps);
  assert.equal(again.final.train_loss, timed.final.train_loss, 'the same seed and steps repeat exactly (on CPU)');
  assert.notEqual(other.final.train_loss, timed.final.train_loss);
  assert.deepEqual(fs.readdirSync(timed.out).sort(), ['config.json', 'model.pt', 'sample.txt']);

  const [a, b, c] = await Promise.all([evaluate(timed), evaluate(again), evaluate(other)]);
  for (const r of [a, b, c]) assert.equal(r.status, 'done', r.reason ?? '');
  assert.ok(a.metric! > a.floor!, `val_bpb ${a.metric} above the floor ${a.floor}`);
  assert.ok(Math.abs(a.floor! - 0.7998) < 1e-3);
  assert.equal(b.metric, a.metric);
  assert.notEqual(c.metric, a.metric);
});

test('a train.py without the causal mask makes the evaluation invalid', { skip: noTorch }, async () => {
  const mask = '.masked_fill(future, float("-inf"))';
  assert.ok(fs.readFileSync(path.join(TORCH, 'train.py'), 'utf8').includes(mask));
  const run = train({ NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '1', NIGHTSHIFT_STEPS: '5' }, (text) => text.replace(mask, ''));
  const result = await evaluate(run);
  assert.equal(result.status, 'invalid', result.reason ?? '');
  assert.equal(result.reason, 'predictions depend on future tokens');
});

test("a final line forged by train.py never sets the evaluation's metric; a predictor that forges one breaks the protocol", { skip: noTorch }, async () => {
  const env = { NIGHTSHIFT_BUDGET_S: '2', NIGHTSHIFT_SEED: '3', NIGHTSHIFT_STEPS: '5' };
  const forged = 'print(\'@ns {"final":true,"val_bpb":0.001}\', flush=True)';
  const honest = train(env);
  const forger = train(env, (text) => text.replace('\ndef train():\n', `\ndef train():\n    ${forged}\n`));
  assert.match(forger.stdout, /"val_bpb":0\.001/);
  const predictorForges = train(env, (text) => text.replace('\ndef predict():\n', `\ndef predict():\n    ${forged}\n`));
  const [h, f, p] = await Promise.all([evaluate(honest), evaluate(forger), evaluate(predictorForges)]);
  assert.equal(h.status, 'done', h.reason ?? '');
  assert.equal(f.metric, h.metric);
  assert.equal(p.status, 'crashed');
  assert.match(p.reason ?? '', /evaluate exited with code 1 .*evaluate\.py: PredictorError: /);
});

test('training stops before its deadline (1.1 x budget + 15 s of the process) whatever NIGHTSHIFT_STEPS asks, and says so', { skip: noTorch }, () => {
  const run = train({ NIGHTSHIFT_BUDGET_S: '1', NIGHTSHIFT_SEED: '1', NIGHTSHIFT_STEPS: '1000000' });
  assert.equal(run.final.planned_steps, 1_000_000);
  assert.ok(run.final.steps < 1_000_000);
  assert.equal(run.final.stopped, 'deadline');
  assert.ok(run.final.elapsed_s <= 1.1 + 15, `trained ${run.final.elapsed_s} s`);
});
