import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectInputs } from '../../agent/session/effect-inputs.ts';
import { baseline, candidate, confirm, control } from './session.ts';

const spec = (part: string, from: string, to: string) => ({ part, action: 'ablate', from, to });
const ablation = (id: number, part: string, metric: number, over = {}) =>
  candidate(id, metric, { decision: 'revert', spec_json: JSON.stringify([spec(part, 'true', 'false')]), ...over });

test('effect inputs: one family per commit, each ablation with its runs, each pair indexing its two ablations', () => {
  const rows = [
    baseline(1, 2.0),
    baseline(2, 2.1),
    ablation(3, 'bias', 2.5),
    confirm(4, 3, 2.6),
    ablation(5, 'norm', 1.8, { decision: 'keep', commit_sha: 'c1' }),
    candidate(6, 2.9, { kind: 'interaction', decision: 'revert', spec_json: JSON.stringify([spec('norm', 'true', 'false'), spec('bias', 'true', 'false')]) }),
    candidate(7, 3.0, { decision: 'pending', spec_json: JSON.stringify([spec('dropout', '0.1', '0')]) }),
    control(8, 'c1', 1.85),
    ablation(9, 'bias', 2.2, { base_commit: 'c1' }),
  ];
  const families = effectInputs(rows);
  assert.deepEqual(
    families.map((f) => [f.baseCommit, f.ablationRows.map((e) => e.id), f.pairRows.map((e) => e.id)]),
    [
      ['c0', [3, 5], [6]],
      ['c1', [9], []],
    ],
  );
  assert.deepEqual(families[0]!.input, {
    baseline: [2.0, 2.1],
    ablations: [
      { component: 'bias', change: 'true -> false', runs: [2.5, 2.6] },
      { component: 'norm', change: 'true -> false', runs: [1.8] },
    ],
    pairs: [{ a: 1, b: 0, runs: [2.9] }],
  });
  assert.deepEqual(families[1]!.input.baseline, [1.85]);
});
