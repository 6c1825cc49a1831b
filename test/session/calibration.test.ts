import assert from 'node:assert/strict';
import { test } from 'node:test';
import { num } from '../../agent/format/numbers.ts';
import { reportMarkdown } from '../../agent/report/markdown.ts';
import { summarize } from '../../agent/report/summary.ts';
import { calibration, calibrationText, predictions } from '../../agent/session/calibration.ts';
import { row, session } from '../ui/rows.ts';

const claude = { kind: 'llm' as const, proposer: 'claude' };

/** Baselines, then three of Claude's changes with predictions (one re-tested after being superseded) and one planner change without. */
function rows() {
  return [
    row({ id: 1, metric: 1.9 }),
    row({ id: 2, seed: 2, metric: 1.91 }),
    row({ id: 3, ...claude, decision: 'revert', metric: 1.92, delta: 0.015, predicted_delta: -0.01 }),
    row({ id: 4, ...claude, decision: 'keep', metric: 1.88, delta: -0.025, predicted_delta: -0.02 }),
    row({ id: 5, ...claude, decision: 'revert', reason: 'superseded: #4 was kept there first', metric: null, delta: null, predicted_delta: -0.005 }),
    row({ id: 6, ...claude, decision: 'revert', retry_of: 5, metric: 1.89, delta: 0.01 }),
    row({ id: 7, kind: 'tweak', decision: 'revert', metric: 1.9, delta: 0.02 }),
    row({ id: 8, ...claude, decision: 'pending', metric: 1.8, predicted_delta: -0.1 }),
  ];
}

test("predictions: decided changes with a prediction, a re-test carrying its original's; undecided and unpredicted ones left out", () => {
  assert.deepEqual(predictions(rows()), [
    { experiment: 3, predicted: -0.01, observed: 0.015 },
    { experiment: 4, predicted: -0.02, observed: -0.025 },
    { experiment: 6, predicted: -0.005, observed: 0.01 },
  ]);
});

test('calibration: mean absolute error, sign agreement and optimism in the goal’s direction', () => {
  const c = calibration(predictions(rows()), 'minimize');
  assert.equal(c.n, 3);
  assert.ok(Math.abs(c.mae! - (0.025 + 0.005 + 0.015) / 3) < 1e-12);
  assert.equal(c.sign_agreement, 1 / 3);
  // Predicted improvements 0.01, 0.02, 0.005 against observed −0.015, 0.025, −0.01.
  assert.ok(Math.abs(c.optimism! - (0.025 - 0.005 + 0.015) / 3) < 1e-12);
  assert.equal(calibration(predictions(rows()), 'maximize').optimism! < 0, true, 'the same numbers are cautious where higher is better');
  assert.deepEqual(calibration([], 'minimize'), { n: 0, mae: null, sign_agreement: null, optimism: null });
  assert.equal(
    calibrationText(c, num),
    'over 3 decided changes: mean absolute error 0.015; the sign right in 1 of 3; 0.01167 more hopeful than observed on average',
  );
});

test('report: the calibration in the JSON and one line of the Markdown; no line where nothing was predicted', () => {
  const report = summarize(session({ proposer: 'claude' }), rows());
  assert.equal(report.predictions.n, 3);
  assert.equal(report.predictions.sign_agreement, 1 / 3);
  assert.match(reportMarkdown(report, null), /\| predicted deltas \| over 3 decided changes: mean absolute error 0\.015;/);
  const planner = summarize(
    session(),
    rows().map((e) => ({ ...e, predicted_delta: null })),
  );
  assert.equal(planner.predictions.n, 0);
  assert.doesNotMatch(reportMarkdown(planner, null), /predicted deltas/);
});
