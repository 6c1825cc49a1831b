import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { buildSource, conditionalBits, loadDefaultSource, mulberry32, sample, type Source } from '../../sandbox/source.ts';
import { ROOT } from './run-sandbox.ts';

/** Two topics, units that are prefixes of each other (" a" / " ab"), punctuation, a sentence loop. */
const TINY = {
  topicStay: 3,
  topicMove: 1,
  formWeights: [2, 1],
  sentence: [
    ['W', 2],
    ['P', 1],
  ],
  nodes: {
    W: {
      emit: { lex: 'w', form: 'any' },
      next: [
        ['W', 1],
        ['END', 1],
      ],
    },
    P: {
      emit: {
        words: [
          [' a', 1],
          [' b', 2],
        ],
      },
      next: [
        ['W', 3],
        ['END', 1],
      ],
    },
    END: {
      emit: {
        words: [
          ['.', 3],
          ['!', 1],
        ],
      },
      next: 'sentence',
    },
  },
  common: {},
  topics: {
    x: {
      w: [
        ['a', 'ab'],
        ['b', 'ba'],
      ],
    },
    y: {
      w: [
        ['b', 'bb'],
        ['ab', 'abb'],
      ],
    },
  },
};

/** P(the source's stream starts with text), by enumerating every hidden path that can produce it. */
function bruteForce(source: Source, text: string): number {
  const prob = (table: { weights: number[]; total: number }, i: number) => table.weights[i]! / table.total;
  const walk = (state: number, produced: string, p: number): number => {
    let total = 0;
    const st = source.states[state]!;
    st.units.items.forEach((unit, u) => {
      const out = produced + unit;
      const overlap = Math.min(out.length, text.length);
      if (out.slice(0, overlap) !== text.slice(0, overlap)) return;
      const pu = p * prob(st.units, u);
      if (out.length >= text.length) {
        total += pu;
        return;
      }
      st.next.items.forEach((s2, j) => {
        total += walk(s2, out, pu * prob(st.next, j));
      });
    });
    return total;
  };
  return source.initial.items.reduce((sum, s, i) => sum + walk(s, '', prob(source.initial, i)), 0);
}

test('the forward algorithm matches brute-force enumeration on a tiny HMM', () => {
  const source = buildSource(TINY);
  const texts = [' a', ' ab.', ' ab ba!', ' b ab abb.', ' bb b!', ' a ab ba. ab'];
  for (let seed = 1; seed <= 6; seed++) texts.push(sample(source, seed, 12));
  for (const text of texts) {
    const exact = bruteForce(source, text);
    assert.ok(exact > 0, `brute force says ${JSON.stringify(text)} is impossible`);
    const bits = conditionalBits(source, text, 0);
    assert.ok(Math.abs(bits + Math.log2(exact)) < 1e-9, `${JSON.stringify(text)}: forward ${bits} vs brute force ${-Math.log2(exact)}`);
    // Conditioning: the bits of a suffix given its prefix are the difference of two code lengths.
    const k = Math.floor(text.length / 2);
    const suffix = conditionalBits(source, text, k);
    assert.ok(Math.abs(suffix - (bits - conditionalBits(source, text.slice(0, k), 0))) < 1e-9);
  }
});

test('the forward algorithm rejects a text the source cannot produce', () => {
  assert.throws(() => conditionalBits(buildSource(TINY), ' c', 0), /cannot produce character 1/);
});

test("the default source's entropy rate is stable across samples", () => {
  // The mean of -log2 P(x) over samples is the entropy of the first n characters: for a long
  // sample it must sit close to the per-character rate of a second, independent sample.
  const source = loadDefaultSource();
  const a = conditionalBits(source, sample(source, 11, 40_000), 0) / 40_000;
  const b = conditionalBits(source, sample(source, 12, 40_000), 0) / 40_000;
  assert.ok(a > 0.6 && a < 1.0, `rate ${a}`);
  assert.ok(Math.abs(a - b) < 0.03, `two samples disagree: ${a} vs ${b}`);
});

test('mulberry32 and the sampler are fixed: same seed, same text', () => {
  const r = mulberry32(42);
  assert.deepEqual([r(), r(), r()], [2581720956, 1925393290, 3661312704]);
  const source = loadDefaultSource();
  assert.equal(sample(source, 7, 5000), sample(source, 7, 5000));
  assert.notEqual(sample(source, 7, 5000), sample(source, 8, 5000));
  assert.equal(sample(source, 7, 5000).length, 5000);
});

test('the grammar is validated: an unknown node is one clear error', () => {
  const bad = { ...TINY, nodes: { ...TINY.nodes, W: { emit: { lex: 'w', form: 0 }, next: [['NOPE', 1]] } } };
  assert.throws(() => buildSource(bad), /unknown node NOPE/);
});

test('source.py draws the same corpus and computes the same floor as source.ts', (t) => {
  const python = spawnable('python3');
  if (!python) return t.skip('python3 is not installed');
  const script = [
    'import hashlib, sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'templates/torch'))})`,
    'from source import load_default_source, sample, conditional_bits',
    's = load_default_source()',
    'print(hashlib.sha256(sample(s, 20240601, 200000).encode()).hexdigest())',
    'v = sample(s, 20240602, 3000)',
    'print(repr(conditional_bits(s, v, 1000)))',
    "print(''.join(s.alphabet))",
  ].join('\n');
  const [hash, bits, alphabet] = execFileSync('python3', ['-c', script], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } })
    .trim()
    .split('\n');
  const source = loadDefaultSource();
  assert.equal(
    hash,
    createHash('sha256')
      .update(sample(source, 20240601, 200_000))
      .digest('hex'),
  );
  assert.equal(Number(bits), conditionalBits(source, sample(source, 20240602, 3000), 1000));
  assert.equal(alphabet, source.alphabet.join(''));
});

function spawnable(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
