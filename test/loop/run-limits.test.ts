import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { clockTime } from '../../agent/format/time.ts';
import { decidedCount, finishedCount, isCandidate } from '../../agent/session/kinds.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { fastSandbox, slowSandbox } from '../helpers.ts';
import { options, runLoop, scriptedEdits } from './harness.ts';

const appendOnce = (text: string) =>
  scriptedEdits({ description: 'a huge edit', apply: (workspace) => fs.appendFileSync(path.join(workspace, 'train.mjs'), text) });

test('an edit over the size limit is rejected with the limit named, and only its start is stored', async () => {
  const { rows } = await runLoop(options(fastSandbox(), { maxExperiments: 3, baselineRuns: 1 }), { proposer: appendOnce(`// ${'x'.repeat(3 * 2 ** 20)}\n`) });
  const huge = rows.find((r) => r.kind === 'llm')!;
  assert.equal(huge.status, 'rejected');
  assert.match(huge.reason!, /^the edit is 3\.0 MiB, over the edit-size limit of 1 MiB$/);
  assert.ok(huge.diff.length < 70_000, `${huge.diff.length} bytes stored`);
  assert.match(huge.diff, /the rest of this \d+-byte edit was not stored/);
});

test('a run whose output line is cut at the line cap goes on, and its record says so', async () => {
  const train = fs.readFileSync(path.join(fastSandbox(), 'train.mjs'), 'utf8');
  const sandbox = fastSandbox({ 'train.mjs': `process.stdout.write('y'.repeat(3 * 2 ** 20) + '\\n');\n${train}` });
  const { rows } = await runLoop(options(sandbox, { maxExperiments: null, maxRuns: 1, baselineRuns: 1 }));
  assert.equal(rows[0]!.status, 'done');
  assert.match(rows[0]!.reason!, /^1 output line over the line cap cut$/);
});

const pendingOf = (rows: readonly ExperimentRow[]) => rows.filter((r) => isCandidate(r) && r.decision === 'pending');

test('--max-experiments counts decided changes, not runs, and the last one gets all its runs and its verdict', async () => {
  const { rows, session } = await runLoop(options(fastSandbox(), { maxExperiments: 2, baselineRuns: 2, ablationRuns: 2 }));
  assert.equal(session.end_reason, 'reached --max-experiments 2');
  assert.equal(decidedCount(rows), 2);
  assert.deepEqual(pendingOf(rows), []);
  // Each ablation is measured twice: 2 baseline runs + 2 changes × 2 runs, and no more.
  assert.equal(finishedCount(rows), 6);
});

test('--max-runs counts runs and never starts a change it has no room to finish', async () => {
  const { rows, session } = await runLoop(options(fastSandbox(), { maxExperiments: null, maxRuns: 5, baselineRuns: 2, ablationRuns: 2 }));
  // 2 baseline runs + one ablation's 2 runs = 4; the next ablation may need 2 and 1 is left.
  assert.equal(session.end_reason, 'reached --max-runs 5: the next decision may need 2 runs and 1 is left');
  assert.equal(finishedCount(rows), 4);
  assert.equal(decidedCount(rows), 1);
  assert.deepEqual(pendingOf(rows), []);
});

test('a deadline ends the night before a decision that cannot finish by then, and says why', async () => {
  // Runs of about 0.6 s; before the first one finishes a run is reckoned at budget + grace (3 s).
  const deadline = new Date(Date.now() + 0.002 * 3600_000).toISOString();
  const { rows, session } = await runLoop(options(slowSandbox(600), { budgetS: 2, graceS: 1, maxExperiments: null, deadline }));
  assert.equal(session.status, 'finished');
  assert.match(
    session.end_reason!,
    new RegExp(`^the next (decision|run) would end after ${clockTime(deadline)} \\(about \\d+ s( for \\d runs?)?, \\d+ s left\\)$`),
  );
  assert.deepEqual(pendingOf(rows), []);
  assert.ok(
    rows.some((r) => isCandidate(r)),
    'at least one change fitted before the deadline',
  );
  // Nothing was started that could not end by then (the estimate is a median: a little slack).
  assert.ok(Date.parse(session.ended_at!) <= Date.parse(deadline) + 1500, `ended ${session.ended_at}, deadline ${deadline}`);
});

test('with less time left than one run may take, nothing starts, and a resume keeps the deadline unless given a new one', async () => {
  const deadline = new Date(Date.now() + 2000).toISOString();
  const first = await runLoop(options(fastSandbox(), { maxExperiments: null, deadline }));
  assert.deepEqual(first.rows, []);
  assert.match(first.session.end_reason!, /^the next run would end after \S+ \(about 10 s, [12] s left\)$/);
  // --resume with another limit only: the deadline stays.
  const resumed = await runLoop(options(fastSandbox(), { maxExperiments: 3, deadline: null }), { db: first.db, resume: true });
  assert.deepEqual(resumed.rows, []);
  assert.ok(
    resumed.session.end_reason!.includes(`after ${clockTime(deadline)}`) || resumed.session.end_reason === `reached the deadline ${clockTime(deadline)}`,
  );
  // A new deadline replaces it; the --max-experiments the last resume set is kept, stored with the session.
  const later = new Date(Date.now() + 3600_000).toISOString();
  const again = await runLoop(options(fastSandbox(), { maxExperiments: 1, maxExperimentsGiven: false, deadline: later, deadlineGiven: true }), {
    db: first.db,
    resume: true,
  });
  assert.equal(again.session.end_reason, 'reached --max-experiments 3');
  assert.equal((JSON.parse(again.session.options_json) as { deadline: string }).deadline, later);
});

test('the plan comes right after session-started: the baseline, then the proposer phases, and the limits', async () => {
  const { events } = await runLoop(options(fastSandbox(), { maxExperiments: 1, maxRuns: 40, baselineRuns: 2, ablationRuns: 2 }));
  assert.equal(events[0]!.type, 'session-started');
  const plan = events[1]!;
  assert.equal(plan.type, 'plan');
  if (plan.type !== 'plan') return;
  assert.deepEqual(
    plan.phases.map((p) => [p.name, p.runs]),
    [
      ['baseline', 2],
      ['ablations', 4],
      ['interactions', 6],
      ['knobs', null],
    ],
  );
  assert.deepEqual(plan.limits, { maxExperiments: 1, maxRuns: 40, deadline: null });
  assert.equal(plan.perRunS, 10);
  assert.equal(plan.estimateS, 12 * 10);
});
