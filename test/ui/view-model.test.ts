import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveSteps } from '../../agent/ui/dashboard/live-steps.ts';
import { dashboardView, logView, type AgentState } from '../../agent/ui/dashboard/view-model.ts';
import { aCrash, aKeep, at, baselineRunning, baselines, row, session, T0 } from './rows.ts';

const run: AgentState = { mode: 'run', paused: false, stopping: null, proposing: false };
const watchAlive: AgentState = { mode: 'watch', alive: true };
const close = (a: number | null | undefined, b: number, eps = 1e-9) => assert.ok(a !== null && a !== undefined && Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('an empty log: no session, and watch says it waits for one', () => {
  const view = dashboardView(null, { now: T0, agent: { mode: 'watch', alive: false }, steps: null });
  assert.equal(view.log, null);
  assert.equal(view.inFlight, null);
  assert.match(view.status.text, /no session in this log yet/);
});

test('the first baseline run in flight: progress from its start, the loss and tokens/s from its latest steps', () => {
  const steps = new LiveSteps(1);
  for (let i = 1; i <= 5; i++) steps.add({ step: i * 10, elapsed_s: i * 6, values: { train_loss: 3 - i * 0.2, tokens_per_s: 50_000 + i } });
  const view = dashboardView(logView(session(), baselineRunning(), null), { now: T0 + 60_000, agent: run, steps });
  const f = view.inFlight!;
  assert.equal(f.id, 1);
  assert.equal(f.kind, 'baseline');
  close(f.elapsedS, 60);
  close(f.progress, 60 / 300);
  assert.equal(f.lossName, 'train_loss');
  assert.deepEqual(
    f.loss.map((x) => Number(x.toFixed(6))),
    [2.8, 2.6, 2.4, 2.2, 2],
  );
  assert.equal(f.step, 50);
  assert.equal(f.tokensPerS, 50_005);
  assert.equal(view.log!.report.baseline.mean, null, 'no baseline yet');
  assert.equal(view.log!.finished, 0);
  assert.equal(view.status.tone, 'live');
  // The script's clock said 30 s at its latest step: the rest of the minute was start-up.
  close(view.session!.trainingShare, 0.5);
});

test('steps of another experiment are not shown for the run in flight', () => {
  const steps = new LiveSteps(99);
  steps.add({ step: 1, elapsed_s: 1, values: { train_loss: 1 } });
  const view = dashboardView(logView(session(), baselineRunning(), null), { now: T0, agent: run, steps });
  assert.deepEqual(view.inFlight!.loss, []);
});

test('a keep: counts, the start ± SD and the new baseline being measured, best and its gain, the kept runs marked on the chart, the table newest first', () => {
  const log = logView(session(), aKeep(), null);
  const view = dashboardView(log, { now: T0 + 1800_000, agent: run, steps: null });
  const r = log.report;
  close(r.start.mean, 1.9);
  close(r.start.sd, 0.01);
  // The current baseline is the kept commit, measured afresh: its fresh runs have not finished yet.
  assert.deepEqual([r.baseline.mean, r.baseline.commit, r.baseline.experiment], [null, 'c1', 4]);
  assert.equal(r.best.experiment, 4);
  close(r.best.mean, 1.85);
  close(r.best.delta, -0.05);
  assert.equal(r.experiments.kept, 1);
  assert.equal(log.finished, 5);
  assert.deepEqual(
    log.chart.points.filter((p) => p.role === 'kept').map((p) => p.x),
    [4, 5],
  );
  assert.deepEqual(
    log.recent.map((e) => e.id),
    [6, 5, 4, 3, 2, 1],
  );
  assert.equal(log.current?.id, 6);
  // 5 finished runs in 1800 s = 10 an hour; 5 × 295 s of 1800 s trained, plus the 300 s of #6 so far.
  close(view.session!.perHour, 10);
  close(view.session!.trainingShare, (5 * 295 + 300) / 1800);
  assert.equal(view.inFlight?.hypothesis, 'a larger step size converges faster within the budget');
  assert.equal(view.inFlight?.backend, 'wasm', "the last run's backend until this one reports its own");
});

test('a crash: counted, shown as crashed with its reason, marked as failed on the chart', () => {
  const log = logView(session(), aCrash(), null);
  assert.equal(log.report.experiments.crashed, 1);
  assert.equal(log.report.experiments.reverted, 1);
  assert.deepEqual(log.chart.failed, [4]);
  const crashed = log.recent.find((e) => e.id === 4)!;
  assert.equal(crashed.status, 'crashed');
  assert.match(crashed.reason!, /crashed/);
});

test('the floor comes from the final lines', () => {
  const rows = baselines().map((e) => ({ ...e, final_json: JSON.stringify({ final: true, val_bpb: e.metric, floor_bpb: 1.2 }) }));
  assert.equal(logView(session(), rows, null).report.floor, 1.2);
});

test('watch: a finished session says so and shows no run in flight; its clock stopped at the end', () => {
  const s = session({ status: 'finished', ended_at: at(900), end_reason: 'reached --max-experiments 3', agent_pid: null });
  const view = dashboardView(logView(s, baselines(), null), { now: T0 + 5000_000, agent: { mode: 'watch', alive: false }, steps: null });
  assert.equal(view.status.tone, 'ended');
  assert.equal(view.status.text, 'no running session — showing the last state of session 1, finished: reached --max-experiments 3');
  close(view.session!.elapsedS, 900);
});

test("watch: a 'running' session whose agent died is not live; its clock stopped at the last heartbeat", () => {
  const s = session({ heartbeat_at: at(1000) });
  const view = dashboardView(logView(s, aKeep(), null), { now: T0 + 5000_000, agent: { mode: 'watch', alive: false }, steps: null });
  assert.equal(view.inFlight, null, 'a dead agent has no run in flight');
  assert.match(view.status.text, /^no running session — .*session 1, its agent \(pid 4242\) is gone/);
  close(view.session!.elapsedS, 1000);
  const live = dashboardView(logView(s, aKeep(), null), { now: T0 + 1800_000, agent: watchAlive, steps: null });
  assert.equal(live.inFlight?.id, 6);
  assert.equal(live.status.text, 'watching session 1 (agent pid 4242)');
});

test('run: pause, stop and proposing show in the status line', () => {
  const log = logView(session(), aKeep(), null);
  const status = (agent: AgentState) => dashboardView(log, { now: T0, agent, steps: null }).status;
  assert.deepEqual(status({ ...run, paused: true }), { tone: 'paused', text: 'pausing after the run in flight (p: resume)' });
  assert.equal(status({ ...run, stopping: 'after-run' }).tone, 'stopping');
  assert.match(status({ ...run, stopping: 'now', paused: true }).text, /^stopping now/);
  const idle = logView(session(), baselines(), null);
  assert.match(dashboardView(idle, { now: T0, agent: { ...run, proposing: true }, steps: null }).status.text, /planner is proposing/);
  assert.match(dashboardView(idle, { now: T0, agent: { ...run, paused: true }, steps: null }).status.text, /^paused/);
});

test('LLM totals are shown for a Claude session, and for any session that logged turns', () => {
  const llm = { turns: 3, errors: 0, tokensIn: 1000, tokensOut: 200, costUsd: 0.01, pendingTurns: 1 };
  assert.equal(logView(session(), baselines(), { ...llm, turns: 0 }).llm, null, 'the planner with no turns');
  assert.deepEqual(logView(session({ proposer: 'claude' }), baselines(), { ...llm, turns: 0 }).llm?.turns, 0);
  assert.equal(logView(session(), baselines(), llm).llm?.turns, 3);
});

test('LiveSteps halves its loss series when full: memory stays flat, the shape stays', () => {
  const steps = new LiveSteps(1);
  for (let i = 0; i < 100_000; i++) steps.add({ step: i, elapsed_s: i, values: { loss: 100_000 - i } });
  assert.ok(steps.loss.length >= 32 && steps.loss.length < 64, `${steps.loss.length} points`);
  assert.equal(steps.lossName, 'loss');
  assert.ok(steps.loss[0]! > steps.loss.at(-1)!, 'still decreasing');
  assert.equal(steps.step, 99_999);
});

test('a row with a metric but no run time (rejected) adds nothing to the training time', () => {
  const rows = [...baselines(), row({ id: 4, kind: 'tweak', status: 'rejected', decision: 'revert', run_s: null, metric: null })];
  close(logView(session(), rows, null).trainingS, 3 * 295);
});

test('run-derived text in the dashboard loses its escape sequences', () => {
  const hostile = 'ablate x\u001b[2J\u001b]0;owned\u0007 done';
  const rows = [
    row({ id: 1, kind: 'baseline', metric: 1 }),
    row({ id: 2, kind: 'llm', description: hostile, reason: `crashed: ${hostile}`, status: 'crashed', decision: 'revert' }),
  ];
  const view = logView(session(), rows, null);
  const recent = view.recent.find((r) => r.id === 2)!;
  assert.doesNotMatch(recent.description + recent.reason, /\u001b|\u0007/);
  assert.match(recent.description, /^ablate x done$/);
});

test("Claude's agenda, once written, is the plan line: its first item and how many follow; escapes removed", () => {
  const agenda = { id: 1, session_id: 1, written_at: 't', proposer: 'claude', plan: '1. raise lr \u001b[31mnow\n2. fewer epochs\n\n- drop dropout' };
  assert.equal(logView(session(), aKeep(), null, agenda).plan, 'agenda: raise lr now (+2 more)');
  assert.notEqual(logView(session(), aKeep(), null).plan?.startsWith('agenda:'), true);
});
