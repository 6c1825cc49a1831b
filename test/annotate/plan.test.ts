import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { planAnnotation } from '../../agent/annotate/annotate.ts';
import { replacementDiff } from '../../agent/annotate/diff.ts';
import { parseProposal, type ProposedMarker } from '../../agent/annotate/tool.ts';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { tempDir } from '../helpers.ts';

const TRAIN = [
  'export const config = {',
  '  lr: 0.03, // @knob 0.001..0.3 log',
  '  hidden: 32,',
  '  warmup: 100, // warm-up steps',
  "  act: 'relu',",
  '};',
  '',
].join('\n');
const MODEL = 'dropout = 0.1\nuse_bias = True\nbatch = compute_batch(64)';
const files = new Map([
  ['train.ts', TRAIN],
  ['model.py', MODEL],
  ['notes.txt', 'hidden: 32\n'],
]);

const m = (file: string, line: number, name: string, marker: string): ProposedMarker => ({ file, line, name, marker, reason: `why ${name}` });

test('a marker that fits its line is appended in the file comment syntax and parses as a marker of that name', () => {
  const plan = planAnnotation(files, [m('train.ts', 3, 'hidden', '@knob 16 32 64'), m('model.py', 2, 'use_bias', '@ablate False')]);
  assert.deepEqual(plan.dropped, []);
  assert.equal(plan.patched.get('train.ts')!.split('\n')[2], '  hidden: 32, // @knob 16 32 64');
  assert.equal(plan.patched.get('model.py'), 'dropout = 0.1\nuse_bias = True  # @ablate False\nbatch = compute_batch(64)');
  const found = [...plan.patched].flatMap(([file, text]) => parseMarkers(file, text).markers.map((k) => `${file}:${k.line + 1} ${k.name} ${k.marker}`));
  assert.deepEqual(found, ['train.ts:2 lr knob', 'train.ts:3 hidden knob', 'model.py:2 use_bias ablate']);
  assert.match(
    plan.diff,
    /^# train\.ts:3 hidden: @knob 16 32 64 \(why hidden\)\n# model\.py:2 use_bias: @ablate False \(why use_bias\)\ndiff --git a\/train\.ts/,
  );
});

test('each proposal that does not fit is dropped with its one reason, and the others are kept', () => {
  const plan = planAnnotation(files, [
    m('train.ts', 40, 'hidden', '@knob 16 32'),
    m('train.ts', 3, 'hidden', '@knob 1..'),
    m('train.ts', 3, 'width', '@knob 16 32'),
    m('train.ts', 2, 'lr', '@knob 0.01 0.1'),
    m('train.ts', 4, 'warmup', '@knob 0 100 1000'),
    m('train.ts', 5, 'act', '@knob 0..1'),
    m('train.ts', 5, 'act', "@ablate 'relu'"),
    m('train.ts', 5, 'act', "knob 'gelu'"),
    m('model.py', 3, 'batch', '@knob 32 64'),
    m('notes.txt', 1, 'hidden', '@knob 16 32'),
    m('other.ts', 1, 'x', '@ablate false'),
    m('train.ts', 3, 'hidden', '@knob 16 32'),
    m('train.ts', 3, 'hidden', '@knob 8 32'),
  ]);
  assert.deepEqual(
    plan.dropped.map((d) => d.why),
    [
      'line 40 is past the end of train.ts (6 lines)',
      'line 3: @knob: bad value 1..',
      'line 3 sets hidden, not width',
      'line 2 is marked already',
      "line 4 has a comment already, and a marker must be the line's only comment",
      'a @knob range needs a number on its line, not relu',
      '@ablate gives only the current value: nothing to compare',
      'a marker starts with @knob or @ablate',
      'line 3: compute_batch(64) is not a literal',
      'markers cannot be written in .txt files (only // and # comments are read)',
      "other.ts is not one of the sandbox's editable files",
      'line 3 was proposed twice',
    ],
  );
  assert.deepEqual(
    plan.edits.map((e) => e.text),
    ['  hidden: 32, // @knob 16 32'],
  );
  assert.deepEqual([...plan.patched.keys()], ['train.ts'], 'a file without a kept marker is not touched');
});

test('no marker left: no diff and no patched file', () => {
  const plan = planAnnotation(files, [m('train.ts', 99, 'x', '@ablate false')]);
  assert.equal(plan.diff, '');
  assert.equal(plan.patched.size, 0);
});

test('the diff applies with git apply and with patch -p1, hunks merged where their context meets, a missing last newline kept', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `v${i} = ${i}`);
  const before = lines.join('\n');
  const after = lines.map((l, i) => ([1, 6, 20, 26, 29].includes(i) ? `${l}  # @knob 1 2` : l)).join('\n');
  const diff = replacementDiff('deep/a.py', before, after);
  assert.equal(diff.match(/^@@ /gm)?.length, 2, 'lines 2 and 7 share a hunk; 21, 27 and 30 another');
  assert.match(diff, /^\+v29 = 29 {2}# @knob 1 2\n\\ No newline at end of file\n$/m);
  for (const tool of [
    ['git', 'apply'],
    ['patch', '-p1', '--quiet'],
  ]) {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'deep'));
    fs.writeFileSync(path.join(dir, 'deep', 'a.py'), before);
    execFileSync(tool[0]!, tool.slice(1), { cwd: dir, input: `# a preamble line, as annotate writes\n${diff}` });
    assert.equal(fs.readFileSync(path.join(dir, 'deep', 'a.py'), 'utf8'), after, tool[0]);
  }
  assert.equal(replacementDiff('a.py', before, before), '');
  assert.throws(() => replacementDiff('a.py', before, `${before}\nmore`), /gained or lost lines/);
});

test('the tool input is checked by its schema, with one sentence for the model', () => {
  assert.deepEqual(parseProposal({ markers: [{ file: 'a.py', line: 2, name: 'x', marker: ' @ablate  False ', reason: 'two\nlines' }] }), {
    ok: true,
    markers: [{ file: 'a.py', line: 2, name: 'x', marker: '@ablate False', reason: 'two lines' }],
  });
  const bad = parseProposal({ markers: [{ file: 'a.py', line: '2', name: 'x', marker: '@ablate 0', reason: 'r' }] });
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /^invalid propose_markers input: markers\.0\.line: /);
});
