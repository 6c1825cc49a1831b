/**
 * autoresearch's summary block read as final facts (agent/runner/summary-block.ts), through the
 * output reader both run paths use, and judged by classify as a final line is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Protocol } from '../../agent/config/load.ts';
import { outputReader } from '../../agent/runner/output-reader.ts';
import { classify } from '../../agent/runner/run-training.ts';

// Exactly what autoresearch's program.md shows its train.py printing.
const BLOCK = `---
val_bpb:          0.997900
training_seconds: 300.1
total_seconds:    325.9
peak_vram_mb:     45060.2
mfu_percent:      39.80
total_tokens_M:   499.6
num_steps:        953
num_params_M:     50.3
depth:            8`;

/** Feeds `text` to an output reader line by line as stdout (split as lines.ts does) and returns its summary. */
function read(text: string, protocol: Protocol = 'autoresearch') {
  const notes: string[] = [];
  const reader = outputReader({ log: (t) => notes.push(t), protocol });
  for (const line of text.split(/\r\n|\r|\n/)) reader.line(line, false, true);
  return reader.summary();
}

const judged = (text: string) => {
  const { final } = read(text);
  return classify(final, 'val_bpb', false, 600, 0, null, []);
};

test("autoresearch's block is the run's final facts, under nightshift's names", () => {
  const progress = '\rstep 00952 (99.9%) | loss: 3.012345 | lrm: 0.01 | dt: 312ms | tok/sec: 1,679,210    \r';
  const summary = read(`Vocab size: 8,192\n${progress}\n${BLOCK}\n`);
  assert.equal(summary.finalLines, 1);
  assert.deepEqual(summary.final, {
    val_bpb: 0.9979,
    peak_vram_mb: 45060.2,
    mfu_percent: 39.8,
    depth: 8,
    steps: 953,
    training_s: 300.1,
    total_s: 325.9,
    params: 50_300_000,
    tokens: 499_600_000,
    tokens_per_s: Math.round(499_600_000 / 300.1),
  });
  assert.deepEqual(judged(BLOCK), { status: 'done', metric: 0.9979, reason: null });
});

test('the block ends at the first line of another shape; text after it is log text, the end of output closes it', () => {
  const after = read(`${BLOCK}\n\nwandb: Run summary: done\nnot: a field after the blank line\n`);
  assert.equal(after.finalLines, 1);
  assert.equal(after.final!.depth, 8);
  assert.equal('not' in after.final!, false);
  // No newline after the last field: the block is complete when the output ends.
  assert.equal(read(BLOCK).finalLines, 1);
  assert.equal(read('---\nval_bpb 0.99\n').finalLines, 0, 'a --- not followed by a field is a separator, not a block');
  assert.equal(read('---\n---\n').finalLines, 0);
});

test('two blocks, or a block and an @ns final line, count as two final lines; the last is kept', () => {
  const twice = read(`${BLOCK}\n${BLOCK.replace('0.997900', '0.500000')}\n`);
  assert.equal(twice.finalLines, 2);
  assert.equal(twice.final!.val_bpb, 0.5);
  // Back to back, with no line between: the second --- closes the first block.
  assert.equal(read(`---\nval_bpb: 1\n---\nval_bpb: 2\n`).finalLines, 2);
  const mixed = read(`@ns {"final":true,"val_bpb":0.1}\n${BLOCK}\n`);
  assert.equal(mixed.finalLines, 2);
  assert.equal(read(`${BLOCK}\n@ns {"final":true,"val_bpb":0.1}\n`).finalLines, 2);
});

test('a block without the metric, or with garbage for it, is a crash; nan is a divergence', () => {
  assert.deepEqual(judged(BLOCK.replace(/^val_bpb:.*\n/m, '')), { status: 'crashed', metric: null, reason: 'the final line has no numeric val_bpb' });
  assert.equal(judged(BLOCK.replace('0.997900', '0.99.7')).status, 'crashed');
  assert.equal(judged(BLOCK.replace('0.997900', '')).status, 'crashed');
  assert.equal(judged(BLOCK.replace('0.997900', 'nan')).status, 'diverged');
  assert.equal(judged(BLOCK.replace('0.997900', '-inf')).status, 'diverged');
  // Any other garbage stays text under its name (renamed or not); it never becomes a number.
  const { final } = read(`---\nval_bpb: 1e-3\nnum_steps: 12x\nnum_params_M: many\ndevice: cuda\n`);
  assert.deepEqual(final, { val_bpb: 0.001, device: 'cuda', steps: '12x', params: 'many' });
});

test("a name the script prints itself keeps the script's value over a renamed one", () => {
  assert.deepEqual(read('---\nsteps: 7\nnum_steps: 9\n').final, { steps: 7 });
});

test('a block is a summary: past 200 fields the rest is log text', () => {
  const fields = Array.from({ length: 250 }, (_, i) => `f${i}: ${i}`).join('\n');
  const { final, finalLines } = read(`---\n${fields}\n`);
  assert.equal(finalLines, 1);
  assert.equal(Object.keys(final!).length, 200);
});

test('without the autoresearch protocol the block is log text', () => {
  const summary = read(`${BLOCK}\n`, 'ns');
  assert.deepEqual([summary.final, summary.finalLines], [null, 0]);
  assert.equal(summary.tail.at(-1), 'depth:            8');
});
