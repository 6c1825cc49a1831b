import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectedFalseKeeps, greedyFalseKeepProbability, type DecisionState } from '../../agent/stats/false-keeps.ts';
import { close } from './close.ts';

describe('expected false keeps', () => {
  const d = (over: Partial<DecisionState>): DecisionState => ({ goal: 'minimize', baselineMean: 1.9, bestSingle: 1.9, sd: 0.01, ...over });

  it('noise-aware: alpha per decision', () => {
    close(
      expectedFalseKeeps(
        { name: 'noise-aware', alpha: 0.05 },
        Array.from({ length: 200 }, () => d({})),
      ),
      10,
      1e-12,
    );
  });

  it('greedy: P(a no-op run beats the record) = Φ(margin / SD)', () => {
    close(greedyFalseKeepProbability(d({})), 0.5, 1e-15);
    close(greedyFalseKeepProbability(d({ bestSingle: 1.89 })), 0.15865525393145707, 1e-12);
    close(greedyFalseKeepProbability(d({ goal: 'maximize', bestSingle: 1.91 })), 0.15865525393145707, 1e-12);
    close(greedyFalseKeepProbability(d({ bestSingle: 1.92 })), 0.9772498680518208, 1e-12);
    assert.equal(greedyFalseKeepProbability(d({ sd: null })), 0.5);
    assert.equal(greedyFalseKeepProbability(d({ sd: 0, bestSingle: 1.89 })), 0);
    const session = [d({}), d({ bestSingle: 1.89 }), d({ bestSingle: 1.89 })];
    close(expectedFalseKeeps({ name: 'greedy' }, session), 0.5 + 2 * 0.15865525393145707, 1e-12);
  });
});
