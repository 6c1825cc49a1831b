import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { effectFamilies } from '../../agent/analysis/session-effects.ts';
import { createPolicy } from '../../agent/decide/registry.ts';
import { REPO, tempDir } from '../helpers.ts';
import { options, runLoop } from './harness.ts';

/** The simulated sandbox with a planted truth: two components matter, and they interact. */
function simSandbox(): string {
  const dir = path.join(tempDir(), 'sim');
  fs.cpSync(path.join(REPO, 'bench', 'sim-sandbox'), dir, { recursive: true });
  const truth = {
    base: 1.9,
    noiseSd: 0.01,
    effects: { residual: { false: 0.08 }, layerNorm: { false: 0.05 }, posEncoding: { learned: 0, none: 0.03 }, gelu: { false: 0 }, bias: { false: 0 } },
    interactions: [{ when: { residual: false, layerNorm: false }, effect: 0.06 }],
    knobs: { lr: { optimum: 0.003, curvature: 0.05, scale: 'log' } },
  };
  fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
  return dir;
}

test('the planner ablates every component with an interval, then tests pairs of the strongest, and the tables find what was planted', async () => {
  const { rows } = await runLoop(options(simSandbox(), { maxExperiments: 12, baselineRuns: 3, ablationRuns: 3, interactionTop: 3 }), {
    policy: createPolicy('noise-aware'),
  });
  const ablations = rows.filter((e) => e.kind === 'ablation' && !e.change_key!.includes('@'));
  assert.equal(ablations.length, 6, 'one per @ablate alternative');
  for (const a of ablations) assert.equal(rows.filter((e) => e.parent_id === a.id).length, 2, `${a.description}: 3 runs in all`);

  // Phase 2: pairs among the three strongest components (residual, layerNorm, posEncoding none).
  const pairs = rows
    .filter((e) => e.kind === 'interaction')
    .map((e) =>
      JSON.parse(e.spec_json!)
        .map((s: { part: string }) => s.part)
        .sort()
        .join('+'),
    );
  assert.deepEqual(pairs.sort(), ['layerNorm+posEncoding', 'layerNorm+residual', 'posEncoding+residual']);

  // A keep during phase 1 moves the baseline; the pairs are then measured, with their single
  // ablations again, on the new commit. Either way one family holds all three for each pair.
  const families = effectFamilies(rows);
  const family = families.find((f) => f.pairRows.length > 0);
  assert.ok(family, 'a family with interaction runs');
  const effect = (c: string, change?: string) =>
    families.flatMap((f) => f.result.effects).find((e) => e.component === c && (!change || e.change.endsWith(change)))!;
  assert.ok(effect('residual').significant && Math.abs(effect('residual').delta - 0.08) < 0.03);
  assert.ok(effect('layerNorm').significant);
  for (const nul of ['gelu', 'bias']) assert.equal(effect(nul).significant, false, nul);
  assert.equal(effect('posEncoding', "'learned'").significant, false);

  const planted = family.result.interactions.find((i) => [i.a, i.b].sort().join('+') === 'layerNorm+residual')!;
  assert.ok(planted.significant, 'the planted interaction is found');
  assert.ok(Math.abs(planted.interaction - 0.06) < 0.03, `interaction ${planted.interaction}`);
  for (const other of family.result.interactions.filter((i) => i !== planted)) assert.equal(other.significant, false);
});
