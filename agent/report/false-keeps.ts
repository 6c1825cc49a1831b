import { NOISE_AWARE_DEFAULTS } from '../decide/noise-aware.ts';
import { decisionStates } from '../session/decision-states.ts';
import { expectedFalseKeeps } from '../stats/false-keeps.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import type { SessionReport } from './summary.ts';

/** The expected number of false keeps under the session's decision rule. */
export function falseKeeps(session: SessionRow, rows: readonly ExperimentRow[]): SessionReport['expected_false_keeps'] {
  const decisions = decisionStates(rows, session.goal);
  if (session.decision_rule === 'greedy') {
    const value = expectedFalseKeeps(
      { name: 'greedy' },
      decisions.map((d) => d.state),
    );
    return { value, rule: 'greedy', decisions: decisions.length, note: `Σ P(a no-op run beats the best single run so far) over ${decisions.length} decisions` };
  }
  if (session.decision_rule === 'noise-aware') {
    // Only the final test can keep: a change reverted before it got all its runs contributes exactly 0, the others at most α.
    // The final test comes after at least minKeepRuns runs (more where the noise plan asked): an upper bound.
    const { alpha, minKeepRuns } = NOISE_AWARE_DEFAULTS;
    const tested = decisions.filter((d) => d.runs >= Math.max(minKeepRuns, d.minRuns)).map((d) => d.state);
    const value = expectedFalseKeeps({ name: 'noise-aware', alpha }, tested);
    return {
      value,
      rule: 'noise-aware',
      decisions: decisions.length,
      note: `at most α=${alpha} for each of the ${tested.length} of ${decisions.length} decisions that got the runs a final test needs (a change reverted after screening cannot be a false keep)`,
    };
  }
  return { value: null, rule: session.decision_rule, decisions: decisions.length, note: `unknown for the rule '${session.decision_rule}'` };
}
