import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GreedyPolicy } from '../../agent/decide/greedy.ts';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import { simulate, type SimulationSpec } from '../../bench/decision-montecarlo.ts';

// The targets, checked on the policy alone with fixed seeds (bench/decision-montecarlo.ts
// prints the full table): no-op changes kept at most 5% of the time over 200 decisions; a true
// 2-SD improvement kept at least 80% of the time with at most 3 runs per candidate.
const ours = new NoiseAwarePolicy();
const run = (spec: Omit<SimulationSpec, 'policy'>, policy: SimulationSpec['policy'] = ours) => simulate({ policy, ...spec });

describe('Monte-Carlo of the decision rules', () => {
  it('noise-aware keeps no-op changes at most alpha per decision, and far less in a session', () => {
    const fresh = run({ scenario: 'fresh-warm', baselineRuns: 5, effect: 0, decisions: 3000, seed: 11 });
    // Binomial SE at 5% over 3000 decisions is 0.4%.
    assert.ok(fresh.falseKeepRate <= 0.05 + 0.008, `fresh false-keep rate ${fresh.falseKeepRate}`);
    for (const baselineRuns of [3, 5]) {
      const session = run({ scenario: 'session', baselineRuns, effect: 0, decisions: 1000, seed: 12 });
      assert.ok(session.falseKeepRate <= 0.05, `session (baseline ${baselineRuns}) false-keep rate ${session.falseKeepRate}`);
      assert.ok(session.runsPerCandidate < 2, `runs per no-op candidate ${session.runsPerCandidate}`);
    }
  });

  it('noise-aware keeps a true 2-SD improvement at least 80% of the time with at most 3 runs', () => {
    const fresh = run({ scenario: 'fresh-warm', baselineRuns: 5, effect: -2, decisions: 3000, seed: 13 });
    assert.ok(fresh.power >= 0.8, `fresh power ${fresh.power}`);
    assert.ok(fresh.runsPerCandidate <= 3, `runs per candidate ${fresh.runsPerCandidate}`);
    // As the loop schedules a session: 5 baseline runs (the default), topped up after reverts.
    const session = run({ scenario: 'session', baselineRuns: 5, effect: -2, decisions: 5000, seed: 14 });
    assert.ok(session.power >= 0.8, `session power ${session.power}`);
    assert.ok(session.runsPerCandidate <= 3, `runs per candidate ${session.runsPerCandidate}`);
  });

  it('greedy keeps far more no-op changes against a fresh baseline', () => {
    const greedy = run({ scenario: 'fresh-cold', baselineRuns: 3, effect: 0, decisions: 3000, seed: 15 }, new GreedyPolicy());
    // A no-op run beats the best of 3 baseline runs with probability 1/4.
    assert.ok(Math.abs(greedy.falseKeepRate - 0.25) < 0.03, `greedy false-keep rate ${greedy.falseKeepRate}`);
    assert.equal(greedy.runsPerCandidate, 1);
  });
});
