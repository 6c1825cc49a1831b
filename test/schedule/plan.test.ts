import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import { type PlanInput, plan } from '../../agent/schedule/plan.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { baseline, candidate, confirm, control } from '../session/session.ts';

const rule: PlanInput['rule'] = { baselineCommit: 'c0', goal: 'minimize', baselineRuns: 5, controlEvery: 0, policy: new NoiseAwarePolicy() };
const base = [1.0, 1.01, 0.99, 1.005, 0.995].map((v, i) => baseline(i + 1, v));
const running = { status: 'running' as const, metric: null };
const brief = (p: ReturnType<typeof plan>) =>
  p.starts.map((s) => `${s.type} ${'seed' in s ? s.seed : s.type === 'propose' ? s.screenSeed : ''}${s.speculative ? '?' : ''}`);

test('the baseline seeds start all at once; the first is the run the rule waits on, the rest are certain to follow', () => {
  const p = plan({ rows: [], rule, slots: 8 });
  assert.deepEqual(brief(p).slice(0, 6), ['head 1', 'head 2?', 'head 3?', 'head 4?', 'head 5?', 'propose 1?']);
  assert.deepEqual(plan({ rows: [], rule, slots: 3 }).starts.length, 3);
});

test('several candidates screen against one baseline, on its seeds in turn, beside the top-ups their reverts will ask for', () => {
  const p = plan({ rows: base, rule, slots: 4 });
  // Each candidate is assumed reverted (the common outcome), and each revert tops the baseline up (policy.headRuns).
  assert.deepEqual(brief(p), ['propose 1', 'head 6?', 'propose 2?', 'head 7?']);
});

test('verdicts are recorded in the order of proposal: a later candidate back first waits for the earlier', () => {
  const rows: ExperimentRow[] = [...base, candidate(6, null, { ...running, seed: 1 }), candidate(7, 1.02, { seed: 2 }), candidate(8, 1.03, { seed: 3 })];
  assert.deepEqual(plan({ rows, rule, slots: 1 }).commits, []);
  rows[5] = candidate(6, 1.02, { seed: 1 });
  const p = plan({ rows, rule, slots: 1 });
  // #6 is reverted; #7's turn comes after the top-up that revert asks for, as on one slot.
  assert.deepEqual(
    p.commits.map((c) => [c.candidate.id, c.decision.verdict]),
    [[6, 'revert']],
  );
  assert.deepEqual(brief(p), ['head 6']);
});

test('after a keep the candidates queued on the old head are superseded, their runs kept, and the new head is measured first', () => {
  const rows: ExperimentRow[] = [
    ...base,
    candidate(6, 0.9, { kind: 'tweak', seed: 1, decision: 'keep', commit_sha: 'c1', n_runs: 3 }),
    confirm(7, 6, 0.91, { seed: 2 }),
    confirm(8, 6, 0.9, { seed: 3 }),
    candidate(9, null, { ...running, seed: 2 }),
    candidate(10, 1.0, { seed: 3 }),
  ];
  const p = plan({ rows, rule, slots: 5 });
  assert.deepEqual(
    p.commits.map((c) => [c.candidate.id, c.decision.verdict, c.decision.stats]),
    [
      [9, 'revert', null],
      [10, 'revert', null],
    ],
  );
  assert.equal(
    p.commits[0]!.decision.reason,
    'superseded: proposed on c0 and #6 was kept there first; its runs stay as data, and the change is tested again on c1',
  );
  assert.deepEqual(
    p.obsolete.map((e) => e.id),
    [9],
  );
  // Seeds no run has used, for the new baseline.
  assert.deepEqual(brief(p), ['head 6', 'head 7?', 'head 8?', 'head 9?', 'head 10?']);
  assert.ok(p.starts.every((s) => s.type === 'head' && s.kind === 'control'));

  // Once recorded and the new head measured, each superseded change is re-tested there, in its turn, on the new baseline's seeds.
  const reason = p.commits[0]!.decision.reason;
  const superseded = rows.map((e) => (e.id >= 9 ? { ...e, status: 'done' as const, metric: 1, decision: 'revert' as const, reason } : e));
  const measured = [...superseded, ...[6, 7, 8, 9, 10].map((seed, i) => control(11 + i, 'c1', 0.9 + i / 1000, { seed }))];
  const next = plan({ rows: measured, rule, slots: 3 });
  assert.deepEqual(next.commits, []);
  assert.deepEqual(
    next.starts.map((s) => (s.type === 'retest' ? `retest #${s.of.id} seed ${s.seed}` : s.type)),
    ['retest #9 seed 6', 'head', 'retest #10 seed 7'],
  );
});

test("a probable keep's new baseline is measured ahead on its commit: used when the keep comes, cancelled when it does not", () => {
  const ahead = new Map([[6, 'k6']]);
  const controls = (over: Partial<ExperimentRow>) => [6, 7, 8, 9, 10].map((seed, i) => control(9 + i, 'k6', 0.9 + i / 1000, { seed, ...over }));
  const undecided = [...base, candidate(6, 0.9, { seed: 1 }), confirm(7, 6, 0.905, { seed: 2 }), confirm(8, 6, null, { ...running, seed: 3 })];
  const waiting = plan({ rows: [...undecided, ...controls(running)], rule, slots: 1, ahead });
  assert.deepEqual(waiting.commits, []);
  assert.deepEqual(waiting.obsolete, [], 'runs ahead of an undecided candidate are needed');
  assert.equal(waiting.head, 'c0');

  const back = [...undecided.slice(0, -1), confirm(8, 6, 0.9, { seed: 3 }), ...controls({})];
  const verdict = plan({ rows: back, rule, slots: 1, ahead });
  assert.deepEqual(
    verdict.commits.map((c) => [c.candidate.id, c.decision.verdict]),
    [[6, 'keep']],
  );
  // Recorded with the commit made ahead (keep-commit.ts makes the same one): the new baseline is already measured.
  const kept = back.map((e) => (e.id === 6 ? { ...e, decision: 'keep' as const, commit_sha: 'k6', n_runs: 3 } : e));
  const next = plan({ rows: kept, rule, slots: 1, ahead });
  assert.equal(next.head, 'k6');
  assert.deepEqual(brief(next), ['propose 6'], 'the first proposal on the new head screens on its first seed');

  const worse = [...undecided.slice(0, -2), confirm(7, 6, 1.02, { seed: 2 }), confirm(8, 6, 1.03, { seed: 3 }), ...controls(running)];
  const revert = plan({ rows: worse, rule, slots: 1, ahead });
  assert.deepEqual(
    revert.commits.map((c) => [c.candidate.id, c.decision.verdict]),
    [[6, 'revert']],
  );
  assert.deepEqual(
    revert.obsolete.map((e) => e.id),
    [9, 10, 11, 12, 13],
    'the reverted change will never be the baseline: its runs are cancelled',
  );
});

test('a promising candidate gets its confirmation while an earlier one is still running', () => {
  const rows: ExperimentRow[] = [...base, candidate(6, null, { ...running, seed: 1 }), candidate(7, 0.97, { seed: 2 })];
  const p = plan({ rows, rule, slots: 3 });
  // #6 is assumed reverted (its top-up, seed 6), then #7 looks promising: its confirmation goes to
  // the first baseline seed it lacks, and, that one assumed to land on #7's mean, the next one too.
  assert.deepEqual(brief(p), ['head 6?', 'confirm 1?', 'confirm 3?']);
});

test('an interrupted candidate is re-run first, with its own seed', () => {
  const rows = [...base, candidate(6, null, { status: 'interrupted', decision: null, seed: 1 })];
  const p = plan({ rows, rule, slots: 2 });
  assert.equal(p.starts[0]!.type, 'rerun');
  assert.equal(p.starts[0]!.speculative, false);
});

test('a failed run reverts its candidate; a design point is measured, not decided', () => {
  const failed = plan({ rows: [...base, candidate(6, null, { status: 'crashed', reason: 'no final line', seed: 1 })], rule, slots: 1 });
  assert.deepEqual(
    failed.commits.map((c) => [c.candidate.id, c.decision.reason, c.decision.stats]),
    [[6, 'reverted: its run crashed (no final line)', null]],
  );
  const point = candidate(6, 1.0, { design: 'factorial', seed: 6, description: 'point 3: a b' });
  const design = plan({ rows: [...base, point], rule, slots: 1 });
  assert.deepEqual(
    design.commits.map((c) => c.decision.reason),
    ['point 3: measured for the factorial analysis, not a keep candidate'],
  );
});

test('a candidate whose runs landed on a GPU model no baseline run has is reverted as not comparable', () => {
  const h200 = base.map((e) => ({ ...e, gpu_model: 'NVIDIA H200' }));
  const p = plan({ rows: [...h200, candidate(6, 0.5, { seed: 1, gpu_model: 'NVIDIA A100' })], rule, slots: 1 });
  assert.deepEqual(
    p.commits.map((c) => [c.candidate.id, c.decision.reason, c.decision.stats]),
    [[6, 'reverted: no run of the baseline is on its GPU model (NVIDIA A100), so it cannot be compared', null]],
  );
  const same = plan({ rows: [...h200, candidate(6, 0.5, { seed: 1, gpu_model: 'NVIDIA H200' })], rule, slots: 1 });
  assert.deepEqual(same.commits, [], 'on its own model the rule goes on as ever: a promising screen is confirmed');
  assert.equal(same.starts[0]?.type, 'confirm');
});

test('a proposal asked for and not yet recorded holds its turn; the next turns are planned past it', () => {
  const p = plan({ rows: base, rule, slots: 2, proposing: 1 });
  assert.deepEqual(brief(p), ['head 6?', 'propose 2?']);
});

test('limits: runs in flight count, a decision under way still gets its runs, and the session ends when the rule waits on new work', () => {
  const calls: Array<{ work: string; runs: number; decisions: number }> = [];
  const limit = (work: 'head' | 'candidate', _need: number, inFlight: { runs: number; decisions: number }) => {
    calls.push({ work, ...inFlight });
    return work === 'candidate' ? 'reached --max-runs 20' : null;
  };
  const rows: ExperimentRow[] = [...base, candidate(6, 0.97, { seed: 1 }), candidate(7, null, { ...running, seed: 2 })];
  const p = plan({ rows, rule, slots: 5, limit });
  // #6's confirmations start (the second on the guess that the first lands on its mean); kept on
  // those guesses, its new baseline's controls start ahead, on its commit, under the limits as head work.
  assert.deepEqual(brief(p), ['confirm 2', 'confirm 3?', 'head 6?', 'head 7?', 'head 8?']);
  assert.ok(p.starts.slice(2).every((s) => s.type === 'head' && s.ahead?.id === 6));
  assert.equal(p.ending, null);
  // In flight: #7's run, what the two undecided candidates may still take (3 runs each at most: 2 + 2), and the starts before the last.
  assert.deepEqual(calls.at(-1), { work: 'head', runs: 1 + 4 + 4, decisions: 2 });
  // #6 reverted instead: the top-ups the rule puts before #7's verdict start; no new proposal does.
  calls.length = 0;
  const reverted = plan({ rows: [...base, candidate(6, 1.03, { seed: 1 }), rows[6]!], rule, slots: 5, limit });
  assert.deepEqual(brief(reverted), ['head 6', 'head 7?']);
  // #7's run and the 2 it may still take, the 2 top-ups; #7 the one decision under way.
  assert.deepEqual(calls, [{ work: 'candidate', runs: 1 + 2 + 2, decisions: 1 }]);

  const idle = plan({ rows: base, rule, slots: 4, limit });
  assert.deepEqual(idle.starts, []);
  assert.deepEqual(idle.ending, { status: 'finished', reason: 'reached --max-runs 20' });
});
