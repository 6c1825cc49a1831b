/**
 * nightshift's Python helper (helpers/python/nightshift.py) through its unittest file: the pure
 * parts under `python3 -S` (no site-packages: the standard library only), the numpy and torch
 * parts where Debian's python3-torch imports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const PYTHON = '/usr/bin/python3';
const TESTS = path.join(import.meta.dirname, 'test_nightshift.py');
const hasPython = fs.existsSync(PYTHON);
const hasTorch = hasPython && spawnSync(PYTHON, ['-c', 'import torch, numpy']).status === 0;

/** Runs one unittest class of test_nightshift.py; its own report is the failure message. */
function unittest(flags: string[], testClass: string): void {
  const run = spawnSync(PYTHON, [...flags, TESTS, testClass, '-v'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /^OK/m);
}

test('the pure parts of the Python helper work with the standard library alone', { skip: !hasPython && `${PYTHON} is not installed` }, () => {
  unittest(['-S'], 'Pure');
});

test('the Python helper seeds numpy and torch, reads peak memory, saves state dicts and serves predictions', {
  skip: !hasTorch && `${PYTHON} cannot import torch and numpy (Debian's python3-torch)`,
}, () => {
  unittest([], 'Torch');
});
