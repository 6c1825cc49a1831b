import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadData, syntheticData, TRAIN_CHARS, userData, userText, VAL_CHARS } from '../../sandbox/prepare.ts';
import { encodeLogits, UsageError, type PredictorRequest } from '@nightshift/helpers';
import { AnswerError, FUTURE_TOKENS, score, windows, type Channel } from '../../sandbox/scoring.ts';
import { CONTEXT_CHARS, syntheticValidation, userValidation, type Validation } from '../../sandbox/validation.ts';
import { CONFIG, copySandbox, errorLines, FIXTURES, runTrain, shell, tempDir } from './run-sandbox.ts';

const fixture = (name: string) => path.join(FIXTURES, name);

test('the prepare command saves the corpus; loadData reads the same data back from it, and only for the corpus it holds', async () => {
  const dir = copySandbox();
  const cache = tempDir('ns-cache-');
  const made = await shell(CONFIG.prepare, { cwd: dir, env: { PATH: process.env.PATH, NIGHTSHIFT_CACHE: cache } });
  assert.equal(made.code, 0, made.stderr);
  const saved = loadData(undefined, cache);
  const fresh = syntheticData();
  assert.deepEqual([saved.vocab, saved.origin, saved.cached, fresh.cached], [fresh.vocab, fresh.origin, true, false]);
  assert.deepEqual(saved.train, fresh.train);
  const user = loadData(fixture('voyages.txt'), cache);
  assert.deepEqual([user.train, user.cached], [userData(fixture('voyages.txt')).train, false], 'a cache of another corpus is not used');
  const unset = await shell(CONFIG.prepare, { cwd: dir, env: { PATH: process.env.PATH } });
  assert.equal(unset.code, 2);
  assert.deepEqual(errorLines(unset.stderr), ['prepare.ts: NIGHTSHIFT_CACHE is not set: prepare.ts saves the corpus there for the runs of a session']);
});

test('the synthetic corpus is fixed and its floor is well below a bigram model', () => {
  const a = syntheticData();
  const b = loadData(undefined);
  const v = syntheticValidation();
  assert.deepEqual(a.vocab, b.vocab);
  assert.deepEqual(v.vocab, a.vocab, 'training and evaluation share one vocabulary');
  assert.deepEqual(a.train, b.train);
  assert.equal(a.train.length, TRAIN_CHARS);
  assert.equal(v.context.length, CONTEXT_CHARS);
  assert.equal(v.val.length, VAL_CHARS);
  const floor = v.floor!;
  assert.ok(floor > 0.7 && floor < 0.9, `floor ${floor}`);
  // A bigram model fitted on the training text, scored on the same validation characters.
  const V = a.vocab.length;
  const counts = new Float64Array(V * V).fill(0.01);
  for (let i = 1; i < a.train.length; i++) counts[a.train[i - 1]! * V + a.train[i]!]! += 1;
  let bits = 0;
  const all = [...v.context, ...v.val];
  for (let i = CONTEXT_CHARS; i < all.length; i++) {
    let row = 0;
    for (let j = 0; j < V; j++) row += counts[all[i - 1]! * V + j]!;
    bits -= Math.log2(counts[all[i - 1]! * V + all[i]!]! / row);
  }
  assert.ok(bits / VAL_CHARS > floor + 1.5, `bigram ${bits / VAL_CHARS} vs floor ${floor}`);
});

test('a user text file: training stops where the last tenth, the validation, starts; the context precedes it', () => {
  const d = userData(fixture('lighthouse.txt'));
  const v = userValidation(fixture('lighthouse.txt'));
  assert.equal(v.floor, null);
  assert.deepEqual(v.vocab, d.vocab);
  assert.equal(v.val.length, Math.floor(4169 / 10));
  assert.equal(d.train.length + v.val.length, 4169);
  assert.deepEqual([...v.context], [...d.train.slice(-CONTEXT_CHARS)]);
  const decoded = [...d.train, ...v.val].map((i) => d.vocab[i]).join('');
  assert.equal(decoded, userText(fixture('lighthouse.txt')).join(''));
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
    const refused = (e: unknown) => e instanceof UsageError && message.test(e.message);
    assert.throws(() => userData(fixture(name)), refused);
    assert.throws(() => userValidation(fixture(name)), refused);
  }
});

test('train.ts on an empty data file: one stderr line and exit code 2', async () => {
  const dir = copySandbox();
  const r = await runTrain(dir, { NIGHTSHIFT_DATA: fixture('empty.txt'), NIGHTSHIFT_BUDGET_S: '1' }, dir);
  assert.equal(r.code, 2);
  assert.equal(r.final, null);
  assert.deepEqual(errorLines(r.stderr), [`train.ts: NIGHTSHIFT_DATA=${fixture('empty.txt')} is empty`]);
});

// ---- Scoring through the predictor messages, with predictors written in JS ----

/**
 * A validation set over a 3-letter alphabet. Not periodic: where windows repeat word for word, a
 * predictor that answers a window differently the second time it sees it also changes its main
 * pass, and the probe could find its answers the same.
 */
function toyValidation(): Validation {
  const rng = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0) % 11;
  const ids = Int32Array.from({ length: 1300 }, (_, i) => (rng(i) < 6 ? 0 : rng(i) < 9 ? 1 : 2));
  return { vocab: ['a', 'b', 'c'], context: ids.slice(0, 300), val: ids.slice(300), floor: null };
}

/** logits(row, t): position t's logits given the whole row (a causal model reads row[0..t] only). */
type Model = (row: number[], t: number) => number[];

/** A channel to an in-process predictor; `info` counts as sent, as evaluate.ts sends it first. */
function predictor(context: number, model: Model, answers: { limit?: number } = {}): Channel & { sent: PredictorRequest[] } {
  const pending: PredictorRequest[] = [{ op: 'info' }];
  const sent: PredictorRequest[] = [];
  let answered = 0;
  return {
    sent,
    send: (r) => void (pending.push(r), sent.push(r)),
    close: () => {},
    receive: async () => {
      const r = pending.shift();
      if (!r || answered++ === answers.limit) return null;
      if (r.op === 'info') return JSON.stringify({ context });
      const values = r.inputs.flatMap((row) => row.flatMap((_, t) => model(row, t)));
      const V = values.length / r.inputs.length / r.inputs[0]!.length;
      return JSON.stringify({ shape: [r.inputs.length, r.inputs[0]!.length, V], logits: encodeLogits(Float32Array.from(values)) });
    },
  };
}

const random = (n: number) => Math.floor(Math.random() * n);
const p = 0.7;
/** Softmax p on the current character and (1-p)/2 on each other one: "the next repeats this one". */
const repeat: Model = (row, t) => [0, 1, 2].map((j) => (j === row[t] ? Math.log(p / ((1 - p) / 2)) : 0));

test('val_bpb scores every validation character once, with the right context, for any context length', async () => {
  const v = toyValidation();
  const all = [...v.context, ...v.val];
  let expected = 0;
  for (let i = v.context.length; i < all.length; i++) expected -= Math.log2(all[i] === all[i - 1] ? p : (1 - p) / 2);
  expected /= v.val.length;
  for (const T of [1, 2, 7, 64, 300]) {
    const scored = windows(v.context.length, v.val.length, T).reduce((n, w) => n + w.scored, 0);
    assert.equal(scored, v.val.length);
    const { outcome } = await score(v, predictor(T, repeat), random);
    assert.ok('valBpb' in outcome && Math.abs(outcome.valBpb! - expected) < 1e-5, `T=${T}: ${JSON.stringify(outcome)} vs ${expected}`);
  }
  await assert.rejects(score(v, predictor(301, repeat), random), new AnswerError("the predictor's context is 301 tokens; the evaluation provides at most 300"));
});

test('the predictor gets windows of inputs only, one request at a time, never the last character; the probe adds 16 windows twice', async () => {
  const v = toyValidation();
  const channel = predictor(8, repeat);
  let outstanding = 0;
  const lockstep: Channel = {
    send: (r) => (assert.equal(outstanding++, 0, 'a request before the previous answer'), channel.send(r)),
    close: () => channel.close(),
    receive: async () => ((outstanding = Math.max(0, outstanding - 1)), channel.receive()),
  };
  const { timing } = await score(v, lockstep, random);
  const rows = channel.sent.flatMap((r) => (r.op === 'predict' ? r.inputs : []));
  assert.equal(rows.length, Math.ceil(v.val.length / 4) + 32);
  assert.deepEqual(timing.requests, { main: Math.ceil(v.val.length / 4 / 16), probe: 2 });
  // The last window's inputs stop one character before the end: that character is only a target.
  const list = windows(v.context.length, v.val.length, 8);
  assert.equal(list.at(-1)!.start + 8, v.context.length + v.val.length - 1);
  // The first main request's rows are 16 windows apart (one per segment of the text), not side by side.
  const all = [...v.context, ...v.val];
  const key = (w: number) => all.slice(list[w]!.start, list[w]!.start + 8).join();
  const requests = channel.sent.map((r) => (r.op === 'predict' ? r.inputs.map((row) => row.join()) : []));
  assert.ok(requests.some((rows) => rows.join('|') === Array.from({ length: 16 }, (_, s) => key(s * 16)).join('|')));
});

test('a uniform model scores log2(vocabulary size); non-finite logits score null', async () => {
  const { outcome } = await score(
    toyValidation(),
    predictor(16, () => [0, 0, 0]),
    random,
  );
  assert.ok('valBpb' in outcome && Math.abs(outcome.valBpb! - Math.log2(3)) < 1e-6);
  const nan = await score(
    toyValidation(),
    predictor(16, () => [0, NaN, 0]),
    random,
  );
  assert.deepEqual(nan.outcome, { valBpb: null });
});

test('a model that reads the next token, or answers a window differently the second time, is invalid', async () => {
  const peek: Model = (row, t) => [0, 1, 2].map((j) => (j === row[t + 1] ? 3 : 0));
  assert.deepEqual((await score(toyValidation(), predictor(16, peek), random)).outcome, { invalid: FUTURE_TOKENS });
  const seen = new Set<string>();
  const remembering: Model = (row, t) => {
    const again = seen.has(row.join()) && t === row.length - 1;
    if (t === row.length - 1) seen.add(row.join());
    return repeat(row, t).map((x, j) => (again && j === 0 ? x + 0.5 : x));
  };
  assert.deepEqual((await score(toyValidation(), predictor(16, remembering), random)).outcome, { invalid: FUTURE_TOKENS });
});

test('a wrong shape, garbage or missing answers are refused with one sentence', async () => {
  const v = toyValidation();
  await assert.rejects(
    score(
      v,
      predictor(8, () => [0, 0]),
      random,
    ),
    /answer 2 has shape \[16, 8, 2\], expected \[16, 8, 3\]$/,
  );
  await assert.rejects(score(v, predictor(8, repeat, { limit: 5 }), random), /the predictor stopped answering after 5 of \d+ answers$/);
  const garbage: Channel = { send: () => {}, close: () => {}, receive: async () => 'not json' };
  await assert.rejects(score(v, garbage, random), /answer 1 is not JSON: not json$/);
});
