import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLine } from '../../agent/runner/protocol.ts';

test('plain text and library banners are log text, not protocol', () => {
  assert.deepEqual(parseLine('epoch 1 done'), { type: 'text' });
  assert.deepEqual(parseLine('ns {"step":1}'), { type: 'text' });
  assert.deepEqual(parseLine(' @ns {"step":1}'), { type: 'text' });
});

test('a step line gives its numeric fields and elapsed time', () => {
  const line = parseLine('@ns {"step":120,"elapsed_s":30.2,"train_loss":2.41,"tokens_per_s":51234,"note":"x"}');
  assert.deepEqual(line, { type: 'step', step: 120, elapsedS: 30.2, values: { train_loss: 2.41, tokens_per_s: 51234 } });
});

test('a final line keeps all its fields', () => {
  const line = parseLine('@ns {"final":true,"val_bpb":1.873,"backend":"wasm","steps":1410}');
  assert.deepEqual(line, { type: 'final', fields: { final: true, val_bpb: 1.873, backend: 'wasm', steps: 1410 } });
});

test("Python's bare NaN and Infinity are read as numbers", () => {
  const final = parseLine('@ns {"final": true, "val_bpb": NaN, "x": -Infinity}');
  assert.equal(final.type, 'final');
  if (final.type === 'final') {
    assert.ok(Number.isNaN(final.fields.val_bpb));
    assert.equal(final.fields.x, -Infinity);
  }
  const step = parseLine('@ns {"step": 3, "train_loss": Infinity}');
  assert.deepEqual(step, { type: 'step', step: 3, elapsedS: null, values: { train_loss: null } });
});

test('malformed protocol lines are reported as invalid with a reason', () => {
  for (const bad of [
    '@ns {not json',
    '@ns [1,2]',
    '@ns {"loss": 1}',
    '@ns {"step": -1}',
    '@ns {"step": 1.5}',
    '@ns {"final": false}',
    '@ns {"step":1,"x":{"a":1}}',
  ]) {
    const parsed = parseLine(bad);
    assert.equal(parsed.type, 'invalid', bad);
  }
});

test('a string that merely contains NaN is left alone', () => {
  const line = parseLine('@ns {"final":true,"val_bpb":1.5,"note":"NaN guard on"}');
  assert.deepEqual(line, { type: 'final', fields: { final: true, val_bpb: 1.5, note: 'NaN guard on' } });
});
