import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { userData } from '../../sandbox/prepare.ts';
import { FinalLine, FIXTURES, ROOT, SANDBOX, tempDir } from './run-sandbox.ts';

const TORCH = path.join(ROOT, 'templates/torch');
const PY_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasTorch = hasPython && spawnSync('python3', ['-c', 'import torch'], { env: PY_ENV }).status === 0;

function python(code: string): string {
  return execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(TORCH)})\n${code}`], { encoding: 'utf8', env: PY_ENV });
}

test('every .py file of the torch template compiles', { skip: !hasPython && 'python3 is not installed' }, () => {
  const files = fs.readdirSync(TORCH).filter((f) => f.endsWith('.py')).map((f) => path.join(TORCH, f));
  assert.equal(files.length, 5);
  python(`for f in ${JSON.stringify(files)}: compile(open(f, encoding='utf-8').read(), f, 'exec')`);
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

test('prepare.py splits user text exactly as prepare.ts does, and rejects the same bad files', { skip: !hasPython && 'python3 is not installed' }, () => {
  for (const name of ['lighthouse.txt', 'voyages.txt']) {
    const file = path.join(FIXTURES, name);
    const out = JSON.parse(python(`import json; from prepare import user_data\nd = user_data(${JSON.stringify(file)})\nprint(json.dumps([d.vocab, len(d.train), d.val_context, d.val]))`));
    const d = userData(file);
    assert.deepEqual(out, [d.vocab, d.train.length, [...d.valContext], [...d.val]]);
  }
  for (const name of ['empty.txt', 'tiny.txt', 'latin1.txt']) {
    const file = path.join(FIXTURES, name);
    const message = python(`from prepare import user_data\nfrom protocol import UsageError\ntry:\n    user_data(${JSON.stringify(file)})\nexcept UsageError as e:\n    print(e)`).trim();
    assert.throws(() => userData(file), { message });
  }
});

test('train.py runs a short budget to a valid final line', { skip: !hasTorch && 'torch is not installed' }, () => {
  const plans = tempDir('ns-plans-');
  const run = () =>
    execFileSync('python3', ['train.py'], {
      cwd: TORCH,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: plans, PYTHONDONTWRITEBYTECODE: '1', NIGHTSHIFT_BUDGET_S: '3', NIGHTSHIFT_SEED: '2' },
    });
  const TorchFinal = FinalLine.extend({ backend: z.string().regex(/^torch-(cpu|cuda)/) });
  const final = (stdout: string) => TorchFinal.parse(JSON.parse(stdout.split('\n').find((l) => l.startsWith('@ns {"final"'))!.slice(4)));
  const [a, b] = [final(run()), final(run())];
  assert.ok(a.val_bpb! > a.floor_bpb!);
  if (a.backend === 'torch-cpu') assert.equal(b.val_bpb, a.val_bpb, 'on CPU the same seed repeats exactly');
});
