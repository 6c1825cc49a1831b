import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO, tempDir } from '../helpers.ts';
import { options, runLoop } from './harness.ts';

/**
 * The simulated sandbox with its knobs in a sizes-first file order (as nanoGPT's config has
 * them): heads, then dropout, then the learning rate last. No @ablate markers, so the planner
 * goes straight to the knob phase.
 */
function sizesFirstSandbox(): string {
  const dir = path.join(tempDir(), 'sim');
  fs.cpSync(path.join(REPO, 'bench', 'sim-sandbox'), dir, { recursive: true });
  const train = path.join(dir, 'train.mjs');
  const text = fs.readFileSync(train, 'utf8');
  const start = text.indexOf('export const config = {');
  const end = text.indexOf('};', start) + 2;
  const config = [
    'export const config = {',
    '  heads: 4, // @knob 1 2 4 8',
    '  dropout: 0.1, // @knob 0..0.3',
    '  lr: 0.003, // @knob 1e-4..1e-2 log',
    '};',
  ].join('\n');
  fs.writeFileSync(train, text.slice(0, start) + config + text.slice(end));
  const truth = {
    base: 1.9,
    noiseSd: 0.002,
    knobs: {
      lr: { optimum: 0.0006, curvature: 0.05, scale: 'log' },
      dropout: { optimum: 0.05, curvature: 0.4, scale: 'linear' },
      heads: { values: { 1: 0.03, 2: 0.01, 4: 0, 8: 0.005 } },
    },
  };
  fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
  return dir;
}

test('the planner tweaks the learning rate before heads though it is last in the file, then a Gaussian process proposes', async () => {
  const sandbox = sizesFirstSandbox();
  const { rows } = await runLoop(options(sandbox, { maxExperiments: 12, baselineRuns: 2 }));
  const tweaks = rows.filter((e) => e.kind === 'tweak');
  assert.match(tweaks[0]!.description, /^tweak lr: 0\.003 -> /);
  const firstHeads = tweaks.findIndex((e) => /\bheads: /.test(e.description));
  const firstLr = tweaks.findIndex((e) => /\blr: /.test(e.description));
  assert.ok(firstHeads === -1 || firstLr < firstHeads, tweaks.map((e) => e.description).join('\n'));
  assert.ok(
    tweaks.some((e) => /Gaussian process/.test(e.hypothesis ?? '')),
    `the model takes over once enough configurations are measured:\n${tweaks.map((e) => e.description).join('\n')}`,
  );
  assert.equal(new Set(tweaks.map((e) => e.change_key)).size, tweaks.length, 'no configuration twice');

  // A function of the log: a second session on the same sandbox makes the same proposals.
  const again = await runLoop(options(sizesFirstSandbox(), { maxExperiments: 12, baselineRuns: 2 }));
  assert.deepEqual(
    again.rows.filter((e) => e.kind === 'tweak').map((e) => e.description),
    tweaks.map((e) => e.description),
  );
});
