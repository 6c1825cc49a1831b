import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createPolicy } from '../../agent/decide/registry.ts';
import { Planner } from '../../agent/proposers/planner.ts';
import { experimentDetail } from '../../agent/query/experiment-detail.ts';
import { showText } from '../../agent/query/show-text.ts';
import { openLogReadOnly } from '../../agent/store/db.ts';
import { REPO, tempDir } from '../helpers.ts';
import { options, runLoop } from './harness.ts';

/**
 * Unequal noise through the real loop: on the simulated sandbox, ablating `residual` makes
 * training unstable (its runs spread 20 times wider) and nothing has an effect. The ablations
 * after it must be judged against the baseline's noise with that group set aside, and say so in
 * their stored noise and in `show`.
 */
test('an unstable ablation is set aside from the noise of later verdicts, stored and shown', async () => {
  const sandbox = path.join(tempDir(), 'sim');
  fs.cpSync(path.join(REPO, 'bench', 'sim-sandbox'), sandbox, { recursive: true });
  fs.writeFileSync(path.join(sandbox, 'truth.json'), JSON.stringify({ base: 1.9, noiseSd: 0.01, noiseScale: { residual: { false: 20 } } }));
  const { rows, db } = await runLoop(options(sandbox, { baselineRuns: 3, ablationRuns: 3, interactionTop: 0, maxExperiments: 3, simplifyMarginSd: 0 }), {
    policy: createPolicy('noise-aware', { simplifyMarginSd: 0 }),
    proposer: new Planner({ ablationRuns: 3, interactionTop: 0 }),
  });
  const ablations = rows.filter((e) => e.kind === 'ablation' && e.decision !== null);
  assert.equal(ablations[0]?.description, 'ablate residual: true -> false');
  const unstable = ablations[0]!;
  const later = ablations.slice(1);
  assert.ok(later.length >= 1, 'another ablation was decided after the unstable one');
  for (const e of later) {
    const noise = JSON.parse(e.noise_json!) as { excluded: { label: string }[]; sd: number };
    assert.deepEqual(
      noise.excluded.map((x) => x.label),
      [`#${unstable.id} ${unstable.description}`],
    );
    assert.ok(noise.sd < 0.03, `the noise stays near the baseline's 0.01: ${noise.sd}`);
    assert.match(e.reason!, /1 unstable group kept out of the noise/);
  }
  // The unstable ablation's own verdict: its runs spread wider than the baseline's, so Welch's test.
  assert.equal(JSON.parse(unstable.noise_json!).method, 'welch');
  const handle = openLogReadOnly(db);
  try {
    const text = showText(experimentDetail(handle, later[0]!.id), { tail: 0 });
    assert.match(text, /noise +unpaired: candidate mean vs the whole baseline's mean; run-to-run SD [\d.]+ pooled over \d+ groups/);
    assert.match(text, new RegExp(`noise +set aside as unstable: #${unstable.id} ablate residual: true -> false \\(SD [\\d.]+ over 3 runs, p=`));
  } finally {
    handle.close();
  }
});
