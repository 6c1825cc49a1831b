import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { floorBpb, valBpb } from '../../sandbox/evaluate.ts';
import { CONTEXT_CHARS, loadData, syntheticData, userData, VAL_CHARS, type Dataset } from '../../sandbox/prepare.ts';
import { UsageError } from '../../sandbox/protocol.ts';
import { copySandbox, errorLines, FIXTURES, runTrain } from './run-sandbox.ts';

const fixture = (name: string) => path.join(FIXTURES, name);

test('the synthetic corpus is fixed and its floor is well below a bigram model', () => {
  const a = syntheticData();
  const b = loadData(undefined);
  assert.deepEqual(a.vocab, b.vocab);
  assert.deepEqual(a.val, b.val);
  assert.equal(a.train.length, 2_000_000);
  assert.equal(a.valContext.length, CONTEXT_CHARS);
  assert.equal(a.val.length, VAL_CHARS);
  const floor = floorBpb(a)!;
  assert.ok(floor > 0.7 && floor < 0.9, `floor ${floor}`);
  // A bigram model fitted on the training text, scored on the same validation characters.
  const V = a.vocab.length;
  const counts = new Float64Array(V * V).fill(0.01);
  for (let i = 1; i < a.train.length; i++) counts[a.train[i - 1]! * V + a.train[i]!]! += 1;
  let bits = 0;
  const all = [...a.valContext, ...a.val];
  for (let i = CONTEXT_CHARS; i < all.length; i++) {
    let row = 0;
    for (let j = 0; j < V; j++) row += counts[all[i - 1]! * V + j]!;
    bits -= Math.log2(counts[all[i - 1]! * V + all[i]!]! / row);
  }
  assert.ok(bits / VAL_CHARS > floor + 1.5, `bigram ${bits / VAL_CHARS} vs floor ${floor}`);
});

test('a user text file: last tenth is validation, context precedes it, vocabulary covers all', () => {
  const d = userData(fixture('lighthouse.txt'));
  assert.equal(d.source, null);
  assert.equal(floorBpb(d), null);
  assert.equal(d.val.length, Math.floor(4169 / 10));
  assert.equal(d.train.length + d.val.length, 4169);
  assert.deepEqual([...d.valContext], [...d.train.slice(-CONTEXT_CHARS)]);
  const decoded = [...d.train, ...d.val].map((i) => d.vocab[i]).join('');
  assert.ok(decoded.startsWith('The Keeper of the North Light'));
});

test('UTF-8 text with accents, Greek, Cyrillic, kana and emoji is split by code point', () => {
  const d = userData(fixture('voyages.txt'));
  for (const c of ['é', 'ß', 'λ', 'ж', '京', '🌊']) assert.ok(d.vocab.includes(c), `vocab lacks ${c}`);
  assert.ok(d.vocab.every((c) => [...c].length === 1));
  const sorted = [...d.vocab].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  assert.deepEqual(d.vocab, sorted);
});

test('bad data files are one clear UsageError each', () => {
  const cases: Array<[string, RegExp]> = [
    ['empty.txt', /empty\.txt is empty$/],
    ['tiny.txt', /has 72 characters; at least 4096 are needed to split it into training and validation text$/],
    ['latin1.txt', /is not valid UTF-8 text$/],
    ['missing.txt', /missing\.txt cannot be read \(ENOENT\)$/],
    ['', /is not a file$/],
  ];
  for (const [name, message] of cases) {
    assert.throws(() => userData(fixture(name)), (e: unknown) => e instanceof UsageError && message.test(e.message));
  }
});

test('train.ts on an empty data file: one stderr line and exit code 2', async () => {
  const dir = copySandbox();
  const r = await runTrain(dir, { NIGHTSHIFT_DATA: fixture('empty.txt'), NIGHTSHIFT_BUDGET_S: '1' }, dir);
  assert.equal(r.code, 2);
  assert.equal(r.final, null);
  assert.deepEqual(errorLines(r.stderr), [`train.ts: NIGHTSHIFT_DATA=${fixture('empty.txt')} is empty`]);
});

/** A dataset over a 3-letter alphabet, and the exact bits of a "repeat the last character" model. */
function toyData(): Dataset {
  const rng = (i: number) => (i * 7919 + 13) % 11;
  const ids = Int32Array.from({ length: 1400 }, (_, i) => (rng(i) < 6 ? 0 : rng(i) < 9 ? 1 : 2));
  return { vocab: ['a', 'b', 'c'], train: ids.slice(0, 100), valContext: ids.slice(100, 400), val: ids.slice(400), source: null, origin: 'toy' };
}

test('val_bpb scores every validation character once, with the right context, for any context length', () => {
  const data = toyData();
  const p = 0.7;
  // Logits whose softmax is p on the current character and (1-p)/2 on each other one.
  const forward = (ids: tf.Tensor2D) => tf.oneHot(ids, 3).mul(Math.log(p / ((1 - p) / 2))).toFloat();
  const all = [...data.valContext, ...data.val];
  let expected = 0;
  for (let i = data.valContext.length; i < all.length; i++) expected -= Math.log2(all[i] === all[i - 1] ? p : (1 - p) / 2);
  expected /= data.val.length;
  for (const T of [1, 2, 7, 64, 300]) {
    const got = valBpb(data, T, forward);
    assert.ok(Math.abs(got - expected) < 1e-5, `T=${T}: ${got} vs ${expected}`);
  }
  assert.throws(() => valBpb(data, 301, forward), /context length 301 must be a whole number from 1 to 300/);
});

test('val_bpb of a uniform model is log2(vocabulary size)', () => {
  const data = toyData();
  const got = valBpb(data, 16, (ids) => tf.zeros([...ids.shape, 3]));
  assert.ok(Math.abs(got - Math.log2(3)) < 1e-6);
});

test('val_bpb refuses a forward of the wrong shape', () => {
  assert.throws(() => valBpb(toyData(), 8, (ids) => tf.zeros([ids.shape[0], 8, 4])), /expected \[\d+, 8, 3\]/);
});
