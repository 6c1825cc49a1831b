import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pValue } from '../../agent/decide/format.ts';
import { proseNum as num, proseSigned as signed } from '../../agent/format/numbers.ts';
import { createPolicy } from '../../agent/decide/registry.ts';
import { fastSandbox } from '../helpers.ts';
import { options, runLoop } from './harness.ts';

/**
 * The real rule in the real loop (the other loop tests use harness.ts's transparent meanRule).
 * On the fast sandbox the data have an intercept of 3, so ablating the bias is far worse than
 * any seed-to-seed noise: with one run per ablation, the screen must revert it at once.
 */
test('noise-aware in the loop: a clearly worse ablation is reverted after its screen, with its numbers; the baseline is topped up', async () => {
  // Room for the baseline, the ablation and its top-up, and not for the most runs the next change could need.
  // Simplifications off: the next ablation (a removal) would otherwise ask room for its non-inferiority runs.
  const policy = createPolicy('noise-aware', { simplifyMarginSd: 0 });
  const room = policy.maxRunsPerCandidate(1, true);
  const { rows, session } = await runLoop(options(fastSandbox(), { maxExperiments: null, maxRuns: 4 + room - 1, ablationRuns: 1 }), { policy });
  assert.equal(session.end_reason, `reached --max-runs ${4 + room - 1}: the next decision may need ${room} runs and ${room - 1} are left`);
  assert.deepEqual(
    rows.map((e) => e.kind),
    ['baseline', 'baseline', 'ablation', 'control'],
  );
  const [b1, b2, ablation, control] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
  assert.equal(ablation.description, 'ablate bias: true -> false');

  // The stored statistics, recomputed from the runs: delta against the baseline mean, the noise
  // SD pooled over the one group with two runs (the baseline), and the one-sided p of a pooled t
  // with 1 df (a Cauchy distribution, so p has a closed form).
  const delta = ablation.metric! - (b1.metric! + b2.metric!) / 2;
  const sd = Math.abs(b1.metric! - b2.metric!) / Math.SQRT2;
  const t = delta / (sd * Math.sqrt(1 + 1 / 2));
  const p = 0.5 + Math.atan(t) / Math.PI;
  assert.ok(delta > 10 * sd, `clearly worse: Δ ${delta} vs noise SD ${sd}`);
  assert.equal(ablation.decision, 'revert');
  assert.equal(ablation.n_runs, 1, 'reverted after its screening run');
  assert.ok(!rows.some((e) => e.kind === 'confirm'), 'no confirmation run');
  assert.ok(Math.abs(ablation.delta! - delta) < 1e-9);
  assert.ok(Math.abs(ablation.noise_sd! - sd) < 1e-9);
  assert.ok(Math.abs(ablation.p_value! - p) < 1e-9);
  assert.ok(ablation.ci_low! < delta && delta < ablation.ci_high!);
  assert.ok(ablation.reason!.startsWith(`reverted after 1 run: Δ ${signed(delta)} (`), ablation.reason!);
  for (const part of [`SD of noise ${num(sd)})`, `${pValue(p)} over n=1`, 'vs a baseline of 2', 'another run needs an improvement of at least 0.25 SD']) {
    assert.ok(ablation.reason!.includes(part), `${part} in: ${ablation.reason}`);
  }

  // A revert means the baseline (2 runs) turned a candidate down: one more run of it, on a fresh seed.
  assert.equal(control.base_commit, session.baseline_commit);
  assert.equal(control.description, `control: top up the baseline after 1 revert, seed ${control.seed}`);
  assert.ok(![b1, b2].some((b) => b.seed === control.seed), 'a fresh seed');
  assert.equal(control.status, 'done');
});
