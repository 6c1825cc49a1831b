/**
 * The dashboard's live progress: the phase of the plan and its estimate, the training share from
 * the scripts' own clocks, the pause as `run` and `watch` show it, and the detail view's long
 * text folded instead of cut.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import type { PlanEvent } from '../../agent/loop/events.ts';
import { plannerPlan } from '../../agent/proposers/plan-estimate.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { App } from '../../agent/ui/dashboard/components/App.tsx';
import { Dashboard } from '../../agent/ui/dashboard/components/Dashboard.tsx';
import { LiveSteps } from '../../agent/ui/dashboard/live-steps.ts';
import { phaseProgress } from '../../agent/ui/dashboard/phase-progress.ts';
import type { DashboardSource } from '../../agent/ui/dashboard/source.ts';
import { trainingTime } from '../../agent/ui/training-time.ts';
import { dashboardView, logView, type AgentState, type DashboardView } from '../../agent/ui/dashboard/view-model.ts';
import { wrapLines } from '../../agent/ui/dashboard/wrap.ts';
import { headlessLine } from '../../agent/ui/headless.ts';
import { aKeep, at, baselines, row, session, T0 } from './rows.ts';

afterEach(cleanup);

const run: AgentState = { mode: 'run', paused: false, stopping: null, proposing: false };
const PHASES = [
  { name: 'baseline', runs: 5 },
  { name: 'ablations', runs: 6, note: '2×3' },
  { name: 'interactions', runs: 3, atMost: true },
  { name: 'knobs', runs: null },
];
const plan = (phases = PHASES): string =>
  JSON.stringify({
    type: 'plan',
    phases,
    perRunS: 390,
    perRunMeasured: false,
    estimateS: 14 * 390,
    limits: { maxExperiments: null, maxRuns: null, deadline: null },
  } satisfies PlanEvent);

function frame(v: DashboardView, width = 120, height = 30): string {
  const { lastFrame } = render(h(Dashboard, { view: v, width, height, selected: null }));
  return stripVTControlCharacters(lastFrame() ?? '');
}

const baselineRuns = (done: number, running: boolean): ExperimentRow[] => [
  ...Array.from({ length: done }, (_, i) => row({ id: i + 1, seed: i + 1, metric: 1.9 })),
  ...(running ? [row({ id: done + 1, seed: done + 1, status: 'running', metric: null, ended_at: null, run_s: null })] : []),
];
/** One ablation candidate and its confirmations, all finished. */
const ablation = (id: number, runs: number): ExperimentRow[] => [
  row({ id, kind: 'ablation', decision: 'revert', description: `ablate x${id}`, metric: 1.95 }),
  ...Array.from({ length: runs - 1 }, (_, i) => row({ id: id + 1 + i, kind: 'confirm', decision: null, parent_id: id, metric: 1.95 })),
];

// --- the phase and its estimate ---------------------------------------------------------------

test('every phase the planner plans is one the progress knows how to count', () => {
  const { markers } = parseMarkers(
    'train.ts',
    ['  residual: true, // @ablate false', '  dropout: 0.1, // @ablate 0', '  lr: 3e-3, // @knob 1e-4..1e-2 log'].join('\n'),
  );
  const names = [
    ...plannerPlan(markers, { ablationRuns: 3, interactionTop: 2, redundancyTop: 2 }),
    ...plannerPlan(markers, { ablationRuns: 3, interactionTop: 2, design: 'factorial' }),
  ].map((p) => p.name);
  assert.deepEqual([...new Set(names)].sort(), ['ablations', 'factorial design', 'interactions', 'knobs']);
  for (const name of names) {
    const p = phaseProgress([{ name, runs: 2 }], [row({ id: 1, kind: 'baseline' })], 100, null);
    assert.equal(p?.done, 0, `${name} does not count a baseline run`);
  }
});

test('during the baseline: its runs left, and when candidates start, the run in flight counted by what it has run', () => {
  const p = phaseProgress(PHASES, baselineRuns(2, true), 390, 100)!;
  assert.deepEqual(
    { name: p.name, index: p.index, done: p.done, left: p.left, candidatesInS: p.candidatesInS },
    { name: 'baseline', index: 1, done: 2, left: 3, candidatesInS: 3 * 390 - 100 },
  );
});

test('in the ablations: confirmations count for their candidate; control runs for no phase', () => {
  const rows = [...baselineRuns(5, false), ...ablation(6, 3), row({ id: 9, kind: 'control', metric: 1.9 }), ...ablation(10, 1)];
  const p = phaseProgress(PHASES, rows, 300, null)!;
  assert.deepEqual(
    { name: p.name, done: p.done, left: p.left, leftS: p.leftS, candidatesInS: p.candidatesInS },
    { name: 'ablations', done: 4, left: 2, leftS: 600, candidatesInS: null },
  );
});

test('a phase cut short (a crash ends an ablation early) is over once the next has begun; re-measures past a plan are the next phase’s', () => {
  const rows = [
    ...baselineRuns(5, false),
    ...ablation(6, 3),
    row({ id: 9, kind: 'ablation', status: 'crashed', decision: 'revert', metric: null }),
    ...ablation(10, 3),
    row({ id: 13, kind: 'interaction', status: 'running', decision: 'pending', metric: null }),
  ];
  const p = phaseProgress(PHASES, rows, 300, 50)!;
  // 7 ablation runs for a plan of 6: the seventh is a re-measure the interactions phase asked for.
  assert.deepEqual(
    { name: p.name, index: p.index, done: p.done, runs: p.runs, atMost: p.atMost },
    { name: 'interactions', index: 3, done: 1, runs: 3, atMost: true },
  );
  assert.equal(p.leftS, 2 * 300 - 50);
});

test('an open-ended phase has no end to estimate', () => {
  const rows = [...baselineRuns(5, false), ...ablation(6, 3), ...ablation(9, 3), row({ id: 12, kind: 'tweak', decision: 'revert', metric: 1.9 })];
  const p = phaseProgress(PHASES, rows, 300, null)!;
  assert.deepEqual({ name: p.name, done: p.done, left: p.left, leftS: p.leftS }, { name: 'knobs', done: 1, left: null, leftS: null });
});

test('the dashboard shows the phase line from the plan stored with the session, in run and watch alike, and none once it ended', () => {
  const s = session({ plan_json: plan(), options_json: JSON.stringify({ budgetS: 300, graceS: 90 }) });
  const rows = baselineRuns(2, true);
  for (const agent of [run, { mode: 'watch', alive: true } as const]) {
    const text = frame(dashboardView(logView(s, rows, null), { now: T0 + 100_000, agent, steps: null }));
    assert.match(text, /^plan: baseline 5 runs, ablations 6 runs \(2×3\)/m);
    // The pace is measured: the finished runs took 300 s each (start to end in rows.ts); 3 left, 100 s of one run.
    assert.match(text, /^now: baseline \(1 of 4\) 2\/5 runs · candidates start in about 13 min$/m, text);
  }
  const ended = session({ plan_json: plan(), status: 'finished', ended_at: at(2000), end_reason: 'done' });
  assert.equal(dashboardView(logView(ended, rows, null), { now: T0, agent: run, steps: null }).phase, null);
});

// --- the training share --------------------------------------------------------------------------

test('training time is the scripts’ own clock (elapsed_s in the final line), not the process’s start-up and evaluation', () => {
  const facts = (s: number) => JSON.stringify({ final: true, steps: 100, elapsed_s: s });
  const stated = [row({ run_s: 300, final_json: facts(270) }), row({ run_s: 300, final_json: JSON.stringify({ training_s: 280, elapsed_s: 299 }) })];
  assert.deepEqual(trainingTime(stated), { seconds: 550, source: 'script' });
  assert.deepEqual(trainingTime([row({ run_s: 300 })]), { seconds: 300, source: 'wall' });
  assert.deepEqual(trainingTime([...stated, row({ run_s: 10, status: 'crashed' })]), { seconds: 560, source: 'mixed' });

  const rows = baselines().map((e) => ({ ...e, final_json: facts(270) }));
  const script = frame(dashboardView(logView(session(), rows, null), { now: T0 + 900_000, agent: run, steps: null }));
  assert.match(script, /· training 90% of the time/);
  const wall = frame(dashboardView(logView(session(), baselines(), null), { now: T0 + 900_000, agent: run, steps: null }));
  assert.match(wall, /· training ≤ 98% \(wall time\)$/m);
});

test('the run in flight adds its script’s clock at its latest step', () => {
  const steps = new LiveSteps(4);
  steps.add({ step: 10, elapsed_s: 50, values: { train_loss: 2 } });
  const rows = [
    ...baselines().map((e) => ({ ...e, final_json: '{"final":true,"elapsed_s":200}' })),
    row({ id: 4, status: 'running', ended_at: null, run_s: null, started_at: at(900) }),
  ];
  const v = dashboardView(logView(session(), rows, null), { now: T0 + 1000_000, agent: run, steps });
  assert.equal(v.session!.trainingShare, (3 * 200 + 50) / 1000);
});

// --- the pause -----------------------------------------------------------------------------------

test('paused, the footer of run says so and how to resume', () => {
  const paused = frame(dashboardView(logView(session(), baselines(), null), { now: T0 + 900_000, agent: { ...run, paused: true }, steps: null }));
  assert.match(paused, /paused: nothing new starts \(p: resume\)/);
  assert.match(paused.split('\n').at(-1)!, /^paused — p resume · q quit after this run/);
  const running = frame(dashboardView(logView(session(), baselines(), null), { now: T0 + 900_000, agent: run, steps: null }));
  assert.doesNotMatch(running, /paused/);
});

test('watch shows the pause the agent stored, and that it ends', () => {
  const watch = { mode: 'watch', alive: true } as const;
  const paused = session({ paused_at: at(800), heartbeat_at: at(890) });
  const v = dashboardView(logView(paused, baselines(), null), { now: T0 + 900_000, agent: watch, steps: null });
  assert.equal(v.status.tone, 'paused');
  assert.equal(v.status.text, 'watching session 1 (agent pid 4242): paused, nothing new starts');
  const inFlight = dashboardView(logView(paused, aKeep(), null), { now: T0 + 1600_000, agent: watch, steps: null });
  assert.match(inFlight.status.text, /pausing after the run in flight/);
  const resumed = dashboardView(logView(session(), baselines(), null), { now: T0 + 900_000, agent: watch, steps: null });
  assert.equal(resumed.status.tone, 'live');
});

// --- the detail view -----------------------------------------------------------------------------

const REASON =
  'reason      reverted: Δ +0.0123 (+0.9 SD of noise 0.0137), p=0.21 over n=3 runs on baseline seeds vs a baseline of 5; unpaired: the seed correlation 0.31 is not above one half';

test('wrapLines folds a long field under its value at word boundaries, keeping every word and its colour', () => {
  const lines = wrapLines([REASON, 'short'], 60);
  assert.ok(lines.length > 3);
  for (const l of lines) assert.ok(l.length <= 60, l);
  assert.ok(lines.slice(1, -1).every((l) => l.startsWith(' '.repeat(12)) && l[12] !== ' '));
  assert.equal(lines.at(-1), 'short');
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  assert.deepEqual(words(lines.slice(0, -1).join(' ')), words(REASON));

  const painted = `\x1b[90mreason     \x1b[39m ${'word '.repeat(30)}`;
  const folded = wrapLines([painted], 40);
  for (const l of folded) assert.ok(stripVTControlCharacters(l).length <= 40);
  assert.equal(folded[0]!.split('\x1b[90m').length, 2, 'the colour opens once on its own line');
  assert.ok(
    folded.slice(1).every((l) => !l.includes('\x1b[90m')),
    'and is closed before the next',
  );
  assert.equal(wrapLines(['x'.repeat(25)], 10).join('|'), 'xxxxxxxxxx|xxxxxxxxxx|xxxxx', 'a word longer than the line is cut where it must be');
});

test('the detail view shows a long reason in full at 80 columns', async () => {
  const shown = dashboardView(logView(session(), aKeep(), null), { now: T0 + 1600_000, agent: run, steps: null });
  const source: DashboardSource = {
    subscribe: () => () => {},
    view: () => shown,
    detail: (id) => [`#${id} ablation ablate dropout: 0.1 -> 0`, REASON],
  };
  const { stdin, stdout, lastFrame } = render(h(App, { source }));
  Object.defineProperty(stdout, 'columns', { get: () => 80 });
  stdout.emit('resize');
  const tick = () => new Promise((r) => setTimeout(r, 40));
  await tick();
  stdin.write('\u001B[B');
  await tick();
  stdin.write('\r');
  await tick();
  const text = stripVTControlCharacters(lastFrame() ?? '');
  assert.match(text, /is not above one half/, text);
  assert.doesNotMatch(text, /…/);
});

test('the headless line of a finished run says how much of it the script trained', () => {
  const e = row({ id: 3, run_s: 301, final_json: '{"final":true,"elapsed_s":290.4}', eval_s: 2, metric: 0.84 });
  assert.match(headlessLine({ type: 'run-finished', experiment: e })!, /^#3 baseline done 0\.84 in 301\.0 s \(training 290\.4 s\) \+ 2\.0 s evaluation$/);
  assert.match(headlessLine({ type: 'run-finished', experiment: { ...e, final_json: null } })!, /in 301\.0 s \+ 2\.0 s evaluation$/);
});
