import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { effectFamilies } from '../../agent/analysis/session-effects.ts';
import { createPolicy } from '../../agent/decide/registry.ts';
import { Planner } from '../../agent/proposers/planner.ts';
import { summarize } from '../../agent/report/summary.ts';
import { effectInputs } from '../../agent/session/effect-inputs.ts';
import { REPO, tempDir } from '../helpers.ts';
import { options, runLoop } from './harness.ts';

/** The simulated sandbox with a planted truth (bench/sim-sandbox/train.mjs reads truth.json). */
function simSandbox(truth: object): string {
  const dir = path.join(tempDir(), 'sim');
  fs.cpSync(path.join(REPO, 'bench', 'sim-sandbox'), dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'truth.json'),
    JSON.stringify({ base: 1.9, noiseSd: 0.01, knobs: { lr: { optimum: 0.003, curvature: 0.05, scale: 'log' } }, ...truth }),
  );
  return dir;
}

const pairName = (i: { a: string; b: string }) => [i.a, i.b].sort().join('+');

test('redundancy pairs: two components that each look dispensable, and together are not, are paired and found', async () => {
  const sandbox = simSandbox({
    effects: { residual: { false: 0.08 }, layerNorm: { false: 0.05 } },
    // gelu and bias cover for each other: replacing either alone costs nothing.
    interactions: [{ when: { gelu: 'alt', bias: 'alt' }, effect: 0.06 }],
  });
  // Replacements, not removals: the keep rule keeps a removal that is "simpler and not worse", and
  // keeping one of two redundant removals shows the redundancy on the next baseline instead of in a pair.
  const train = path.join(sandbox, 'train.mjs');
  fs.writeFileSync(
    train,
    fs
      .readFileSync(train, 'utf8')
      .replace('gelu: true, // @ablate false', "gelu: 'on', // @ablate 'alt'")
      .replace('bias: true, // @ablate false', "bias: 'on', // @ablate 'alt'"),
  );
  const opts = options(sandbox, { maxExperiments: 11, baselineRuns: 3, ablationRuns: 3, interactionTop: 2, redundancyTop: 3 });
  const { rows } = await runLoop(opts, {
    policy: createPolicy('noise-aware'),
    proposer: new Planner({ ablationRuns: 3, interactionTop: 2, redundancyTop: 3 }),
  });
  const families = effectFamilies(rows);
  const single = (c: string) => families.flatMap((f) => f.result.effects).find((e) => e.component === c)!;
  for (const weak of ['gelu', 'bias']) assert.equal(single(weak).significant, false, `${weak} alone looks dispensable`);

  const interactions = families.flatMap((f) => f.result.interactions);
  assert.ok(
    interactions.some((i) => pairName(i) === 'layerNorm+residual'),
    'the strongest pair is still tested',
  );
  const redundant = interactions.find((i) => pairName(i) === 'bias+gelu');
  assert.ok(redundant, 'the weak components are paired');
  assert.ok(redundant.significant, 'the redundancy is found');
  assert.ok(Math.abs(redundant.interaction - 0.06) < 0.03, `interaction ${redundant.interaction}`);
  for (const other of interactions.filter((i) => i !== redundant)) assert.equal(other.significant, false, pairName(other));
});

test('--design factorial: the design points run once each on fresh seeds, are never kept, and least squares finds what was planted', async () => {
  const sandbox = simSandbox({
    effects: { residual: { false: 0.08 }, layerNorm: { false: 0.05 }, posEncoding: { none: 0.03 } },
    interactions: [{ when: { residual: false, layerNorm: false }, effect: 0.06 }],
  });
  const opts = options(sandbox, { maxExperiments: 31, baselineRuns: 5, design: 'factorial', controlEvery: 10 });
  const { rows, session } = await runLoop(opts, {
    policy: createPolicy('noise-aware'),
    proposer: new Planner({ ablationRuns: 3, interactionTop: 3, design: 'factorial' }),
  });

  const points = rows.filter((e) => e.design === 'factorial');
  // 2^(5-1) resolution V: 15 points besides the baseline's; one pass leaves 5 + 15 − 16 = 4 residual df, so a second pass runs.
  assert.equal(points.length, 30);
  assert.deepEqual(new Set(points.map((e) => e.kind)), new Set(['interaction']), 'this fraction ablates 2 or 4 components per point');
  assert.equal(new Set(points.map((e) => e.seed)).size, 30, 'a fresh seed per point');
  const baselineSeeds = new Set(rows.filter((e) => e.kind === 'baseline' || e.kind === 'control').map((e) => e.seed));
  assert.ok(points.every((e) => !baselineSeeds.has(e.seed)));
  for (const e of points) {
    assert.equal(e.decision, 'revert');
    assert.match(e.reason!, /^design point \d+ of 15, pass [12]: measured for the factorial analysis, not a keep candidate$/);
    assert.equal(e.n_runs, null);
  }
  const ids = new Set(points.map((e) => e.id));
  assert.equal(rows.filter((e) => e.kind === 'confirm' && ids.has(e.parent_id!)).length, 0, 'no design point is confirmed');
  assert.deepEqual(effectInputs(rows), [], 'no leave-one-out table from design points');
  assert.ok(
    rows.some((e) => e.kind === 'tweak'),
    'the knob phase follows the design',
  );

  const [family, ...rest] = effectFamilies(rows);
  assert.equal(rest.length, 0);
  assert.equal(family!.design, 'factorial');
  const effect = (c: string) => family!.result.effects.find((e) => e.component === c)!;
  assert.ok(effect('residual').significant && Math.abs(effect('residual').delta - 0.08) < 0.03, `residual ${effect('residual').delta}`);
  assert.ok(effect('layerNorm').significant, `layerNorm ${effect('layerNorm').delta}`);
  for (const nul of ['gelu', 'bias']) assert.equal(effect(nul).significant, false, nul);
  const planted = family!.result.interactions.find((i) => pairName(i) === 'layerNorm+residual')!;
  assert.ok(planted.significant && Math.abs(planted.interaction - 0.06) < 0.03, `interaction ${planted.interaction}`);
  for (const other of family!.result.interactions.filter((i) => i !== planted)) assert.equal(other.significant, false, pairName(other));

  const report = JSON.parse(JSON.stringify(summarize(session, rows)));
  assert.equal(report.design, 'factorial');
  assert.match(report.design_label, /^fractional factorial 2\^\(5-1\), resolution V, 16 runs; 30 design runs and \d+ baseline runs analysed$/);
  assert.deepEqual(
    report.effects.map((e: { component: string }) => e.component),
    ['residual', 'layerNorm', 'posEncoding', 'gelu', 'bias'],
    "the markers' order",
  );
  assert.equal(report.interactions.length, 10);
  for (const row of report.interactions) for (const field of ['a', 'b', 'interaction', 'ci_low', 'ci_high', 'significant']) assert.ok(field in row, field);
});
