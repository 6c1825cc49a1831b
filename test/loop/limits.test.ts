import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GreedyPolicy } from '../../agent/decide/greedy.ts';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import { nextTimeOfDay } from '../../agent/loop/deadline.ts';
import { clockTime, span } from '../../agent/format/time.ts';
import { limitEnding } from '../../agent/loop/limits.ts';
import { perRunEstimate } from '../../agent/session/run-pace.ts';
import { sessionOptions, type SessionOptions } from '../../agent/loop/options.ts';
import { decidedCount, finishedCount } from '../../agent/session/kinds.ts';
import { baseline, candidate, confirm } from '../session/session.ts';
import { at } from '../ui/rows.ts';

/** The runs a change confirmed up to 3 times may need, as under the noise-aware rule. */
const three = 3;
const opts = (over: Partial<SessionOptions> = {}) => sessionOptions('sandbox', { budgetS: 300, graceS: 90, ablationRuns: 3, ...over });

// Two baseline runs and two decided candidates of two runs each: 6 runs, 2 decisions.
const night = [
  baseline(1, 1.0),
  baseline(2, 1.01),
  candidate(3, 1.2, { decision: 'revert' }),
  confirm(4, 3, 1.21),
  candidate(5, 0.9, { decision: 'keep' }),
  confirm(6, 5, 0.91),
];

test('--max-experiments counts decided changes; a rejected change and a factorial design point are not decisions', () => {
  const rows = [
    ...night,
    candidate(7, null, { decision: 'revert', status: 'rejected' }),
    candidate(8, 1.0, { decision: 'revert', design: 'factorial' }),
    candidate(9, 1.0, { decision: 'pending' }),
  ];
  assert.equal(decidedCount(rows), 2);
  assert.equal(finishedCount(rows), 8);
  assert.equal(limitEnding('candidate', rows, opts({ maxExperiments: 2 }), 1, 0), 'reached --max-experiments 2');
  assert.equal(limitEnding('head', rows, opts({ maxExperiments: 2 }), 1, 0), 'reached --max-experiments 2');
  assert.equal(limitEnding('candidate', rows, opts({ maxExperiments: 3 }), 1, 0), null);
});

test('no limit stops a decision under way: its confirmations and verdict go on past every limit', () => {
  const past = new Date(at(0)).getTime() + 3600_000;
  const limits = opts({ maxExperiments: 1, maxRuns: 1, deadline: at(0) });
  assert.equal(limitEnding('continue', night, limits, 1, past), null);
});

test('--max-runs leaves room for every run a proposed change may need, by the policy', () => {
  // Up to 3 runs; 6 finished + 3 = 9.
  assert.equal(limitEnding('proposed', night, opts({ maxRuns: 9 }), three, 0), null);
  assert.equal(limitEnding('proposed', night, opts({ maxRuns: 8 }), three, 0), 'reached --max-runs 8: the next decision may need 3 runs and 2 are left');
  // Before it is proposed, a change needs at least its screening run; a baseline run needs one.
  assert.equal(limitEnding('candidate', night, opts({ maxRuns: 7 }), 1, 0), null);
  assert.equal(limitEnding('head', night, opts({ maxRuns: 7 }), 1, 0), null);
  assert.equal(limitEnding('head', night, opts({ maxRuns: 6 }), 1, 0), 'reached --max-runs 6');
  // Greedy never confirms: an ablation needs exactly its --ablation-runs.
  assert.equal(limitEnding('proposed', night, opts({ maxRuns: 8 }), new GreedyPolicy().maxRunsPerCandidate(2), 0), null);
  // The real rules: noise-aware never gives a change fewer runs than it must get, and a
  // simplification up to 6 for its non-inferiority test (none with the margin at 0).
  assert.equal(new GreedyPolicy().maxRunsPerCandidate(2), 2);
  assert.equal(new NoiseAwarePolicy().maxRunsPerCandidate(1), 3);
  assert.equal(new NoiseAwarePolicy().maxRunsPerCandidate(7), 7);
  assert.equal(new NoiseAwarePolicy().maxRunsPerCandidate(1, true), 6);
  assert.equal(new NoiseAwarePolicy({ simplifyMarginSd: 0 }).maxRunsPerCandidate(1, true), 3);
});

test('with several slots, runs in flight and undecided candidates count as if done; a superseded change is no decision', () => {
  // 6 finished, 2 in flight and 1 a pending candidate may still take: 9, so a 3-run change does not fit in 11.
  assert.equal(
    limitEnding('proposed', night, opts({ maxRuns: 11 }), three, 0, { runs: 3, decisions: 1 }),
    'reached --max-runs 11: the next decision may need 3 runs and 2 are left',
  );
  assert.equal(limitEnding('proposed', night, opts({ maxRuns: 12 }), three, 0, { runs: 3, decisions: 1 }), null);
  assert.equal(limitEnding('candidate', night, opts({ maxExperiments: 3 }), 1, 0, { runs: 1, decisions: 1 }), 'reached --max-experiments 3');
  const superseded = candidate(7, 1.0, { decision: 'revert', reason: 'superseded: proposed on c0 and #5 was kept there first' });
  assert.equal(decidedCount([...night, superseded]), 2);
});

test('before any run finished a run is budget + grace; then the median wall time of this session', () => {
  assert.deepEqual(perRunEstimate([], opts()), { seconds: 390, measured: false });
  // The rows' runs take 300 s from start to end (test/ui/rows.ts); one took 600 s.
  const rows = [...night, baseline(7, 1, { started_at: at(1000), ended_at: at(1600) })];
  assert.deepEqual(perRunEstimate(rows, opts()), { seconds: 300, measured: true });
});

test('a deadline refuses a decision whose runs cannot end before it, and names the time, the runs and what is left', () => {
  const start = new Date(at(0)).getTime();
  const deadline = new Date(start + 20 * 60_000).toISOString();
  const withDeadline = opts({ deadline });
  // 3 runs at 300 s = 15 min fit in 20 min; 10 minutes later they no longer do.
  assert.equal(limitEnding('candidate', night, withDeadline, three, start), null);
  assert.equal(
    limitEnding('candidate', night, withDeadline, three, start + 10 * 60_000),
    `the next decision would end after ${clockTime(deadline)} (about 15 min for 3 runs, 10 min left)`,
  );
  // A single run of the baseline still fits; past the deadline nothing starts.
  assert.equal(limitEnding('head', night, withDeadline, 1, start + 10 * 60_000), null);
  assert.equal(limitEnding('head', night, withDeadline, 1, start + 21 * 60_000), `reached the deadline ${clockTime(deadline)}`);
  // The time proposing takes counts too (an LLM's minute per proposal).
  const slowProposer = night.map((e) => (e.kind === 'ablation' ? { ...e, propose_s: 400 } : e));
  assert.match(limitEnding('candidate', slowProposer, withDeadline, three, start) ?? '', /about 22 min for 3 runs, 20 min left/);
});

test('--until is the next such local time: 07:00 at 23:00 is tomorrow, at 06:00 today', () => {
  const evening = new Date(2026, 11, 1, 23, 0, 0);
  assert.deepEqual(nextTimeOfDay('07:00', evening), new Date(2026, 11, 2, 7, 0, 0));
  assert.deepEqual(nextTimeOfDay('07:00', new Date(2026, 11, 1, 6, 0, 0)), new Date(2026, 11, 1, 7, 0, 0));
  // Exactly now is not ahead: the next one is tomorrow's.
  assert.deepEqual(nextTimeOfDay('7:00', new Date(2026, 11, 1, 7, 0, 0)), new Date(2026, 11, 2, 7, 0, 0));
  // Across a month's end.
  assert.deepEqual(nextTimeOfDay('00:30', new Date(2026, 11, 31, 23, 59, 0)), new Date(2027, 0, 1, 0, 30, 0));
  assert.equal(clockTime(new Date(2026, 11, 2, 7, 0, 0).toISOString()), '07:00');
  assert.equal(clockTime(new Date(2026, 11, 2, 7, 0, 9).toISOString()), '07:00:09');
});

test('spans read as a person would say them', () => {
  assert.equal(span(40), '40 s');
  assert.equal(span(17 * 60 + 10), '17 min');
  assert.equal(span(2 * 3600 + 10 * 60), '2 h 10 min');
  assert.equal(span(3 * 3600), '3 h');
});
