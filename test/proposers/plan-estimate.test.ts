import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanMarkers } from '../../agent/knobs/scan.ts';
import type { PlanEvent } from '../../agent/loop/events.ts';
import { plannerPlan } from '../../agent/proposers/plan-estimate.ts';
import { planText } from '../../agent/ui/plan-text.ts';
import { FAST_SANDBOX } from '../helpers.ts';

// The fast sandbox: two components with one ablation each (bias, features), two knobs (lr, epochs).
const markers = scanMarkers(FAST_SANDBOX, ['train.mjs']);

test("the planner's plan: every @ablate alternative × its runs, the pairs among the strongest with their re-measures, the knobs open-ended", () => {
  assert.deepEqual(plannerPlan(markers, { ablationRuns: 3, interactionTop: 3 }), [
    { name: 'ablations', runs: 6, note: '2×3' },
    // Two components make one pair; each may be re-measured once a keep moves the baseline.
    { name: 'interactions', runs: 9, atMost: true, note: '1 pair + 2 re-measures, ×3' },
    { name: 'knobs', runs: null, note: '8 first moves, one run each unless promising' },
  ]);
  // --interactions 0 (or 1): no interaction phase.
  assert.deepEqual(
    plannerPlan(markers, { ablationRuns: 2, interactionTop: 1 }).map((p) => p.name),
    ['ablations', 'knobs'],
  );
  assert.deepEqual(plannerPlan([], { ablationRuns: 3, interactionTop: 3 }), []);
});

test('the plan line: phases, the time at this pace, and the limits in force', () => {
  const event: PlanEvent = {
    type: 'plan',
    phases: [{ name: 'baseline', runs: 5 }, ...plannerPlan(markers, { ablationRuns: 3, interactionTop: 3 })],
    perRunS: 390,
    perRunMeasured: false,
    estimateS: 20 * 390,
    limits: { maxExperiments: 20, maxRuns: null, deadline: { at: new Date(2026, 11, 2, 7, 0, 0).toISOString(), leftS: 8 * 3600 } },
  };
  assert.equal(
    planText(event),
    'plan: baseline 5 runs, ablations 6 runs (2×3), interactions ≤ 9 runs (1 pair + 2 re-measures, ×3), knobs open-ended (8 first moves, one run each unless promising); ' +
      'about 2 h 10 min for 20 runs at 390 s per run (budget + grace until a run is measured), more for the open-ended; ' +
      'limits: 20 decisions, ends by 07:00 (8 h from now, about 73 runs)',
  );
  const open: PlanEvent = {
    ...event,
    phases: [
      { name: 'baseline', runs: 5 },
      { name: 'claude proposals', runs: null },
    ],
    perRunMeasured: true,
    perRunS: 310,
    estimateS: 5 * 310,
    limits: { maxExperiments: null, maxRuns: null, deadline: null },
  };
  assert.equal(
    planText(open),
    'plan: baseline 5 runs, claude proposals open-ended; about 26 min for 5 runs at 310 s per run, more for the open-ended; no limits (q or Ctrl-C ends it)',
  );
});
