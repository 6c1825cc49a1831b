import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { App } from '../../agent/ui/dashboard/components/App.tsx';
import { Dashboard } from '../../agent/ui/dashboard/components/Dashboard.tsx';
import { LiveSteps } from '../../agent/ui/dashboard/live-steps.ts';
import type { DashboardSource, RunControls } from '../../agent/ui/dashboard/source.ts';
import { dashboardView, logView, type AgentState, type DashboardView, type LlmTotals } from '../../agent/ui/dashboard/view-model.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { aCrash, aKeep, baselineRunning, baselines, row, session, T0 } from './rows.ts';

afterEach(cleanup);

const run: AgentState = { mode: 'run', paused: false, stopping: null, proposing: false };

function view(
  rows: ExperimentRow[],
  { now = T0 + 60_000, agent = run, llm = null, notice = null }: { now?: number; agent?: AgentState; llm?: LlmTotals | null; notice?: string | null } = {},
) {
  const steps = new LiveSteps(rows.findLast((e) => e.status === 'running')?.id ?? 0);
  for (let i = 1; i <= 20; i++) steps.add({ step: i * 50, elapsed_s: i * 3, values: { train_loss: 4 / i, tokens_per_s: 51_234 } });
  return dashboardView(logView(session({ proposer: llm ? 'claude' : 'planner' }), rows, llm), { now, agent, steps, notice });
}

/** One frame of the dashboard at a size, as plain lines. */
function frame(v: DashboardView, width = 120, height = 30): string[] {
  const { lastFrame } = render(h(Dashboard, { view: v, width, height, selected: null }));
  return stripVTControlCharacters(lastFrame() ?? '').split('\n');
}

function fits(lines: string[], width: number, height: number) {
  assert.ok(lines.length <= height - 1, `${lines.length} lines for a ${height}-line terminal:\n${lines.join('\n')}`);
  for (const line of lines) assert.ok([...line].length <= width, `wider than ${width}: ${line}`);
}

test('frame: an empty log', () => {
  const lines = frame(dashboardView(null, { now: T0, agent: { mode: 'watch', alive: false }, steps: null }));
  assert.match(lines.join('\n'), /no session in this log yet/);
  assert.match(lines.at(-1)!, /q quit the viewer/);
});

test('frame: the baseline running', () => {
  const text = frame(view(baselineRunning())).join('\n');
  assert.match(text, /● session 1 running · 1m00s/);
  assert.match(text, /runs 0 · decided 0\/50 · kept 0 · reverted 0 · crashed 0/);
  assert.match(text, /▶ #1 baseline baseline, seed 1/);
  assert.match(text, /█+░+ 1m00s\/5m00s · step 1000 · train_loss [▁▂▃▄▅▆▇█]+ 0\.2 · 51\.2k tok\/s/);
  assert.match(text, /val_bpb baseline measuring…/);
  assert.match(text, /#1 +baseline +baseline, seed 1 +- +- +running/);
  assert.match(text, /q quit after this run · Q stop now · p pause/);
});

test('frame: a keep', () => {
  const text = frame(view(aKeep(), { now: T0 + 1800_000 })).join('\n');
  assert.match(text, /runs 5 · decided 1\/50 · kept 1 · reverted 0 · crashed 0 · 10 runs\/h/);
  // The baseline is the kept commit's, whose fresh runs are still to come; the gain is over the start.
  assert.match(text, /baseline measuring… \(n=0\) · best 1\.85 #4 \(-0\.05, -2\.6% vs start\)/);
  assert.match(text, /◆/);
  assert.match(text, /#4 +ablation +ablate dropout: 0\.1 -> 0 +1\.86 +-0\.05 +keep +kept: Δ −0\.05/);
  assert.match(text, /why: a larger step size converges faster/);
});

test('frame: the plan printed at the start is a header line, under the counts', () => {
  const plan_json = JSON.stringify({
    type: 'plan',
    phases: [
      { name: 'baseline', runs: 5 },
      { name: 'ablations', runs: 6, note: '2×3' },
      { name: 'knobs', runs: null },
    ],
    perRunS: 390,
    perRunMeasured: true,
    estimateS: 4290,
    limits: { maxExperiments: 20, maxRuns: null, deadline: null },
  });
  const v = dashboardView(logView(session({ plan_json }), aKeep(), null), { now: T0 + 1800_000, agent: run, steps: null });
  const lines = frame(v);
  const at = lines.findIndex((l) => l.startsWith('plan: baseline 5 runs'));
  assert.ok(at > 0 && /^runs 5 · decided 1\/50/.test(lines[at - 1]!), lines.join('\n'));
});

test('frame: the limits stored with the session, --max-runs and the deadline, are in the counts (run and watch alike)', () => {
  const deadline = new Date(2025, 0, 1, 7, 0, 0).toISOString();
  const limited = session({ options_json: JSON.stringify({ maxRuns: 40, deadline }) });
  const text = frame(dashboardView(logView(limited, aKeep(), null), { now: T0 + 1800_000, agent: run, steps: null })).join('\n');
  assert.match(text, /runs 5\/40 · decided 1\/50 · kept 1 · reverted 0 · crashed 0 · ends by 07:00 ·/);
});

test('frame: a crash', () => {
  const text = frame(view(aCrash(), { now: T0 + 1000_000 })).join('\n');
  assert.match(text, /crashed 1/);
  assert.match(text, /#4 +tweak +tweak lr: 0\.003 -> 0\.3 +- +- +crashed +reverted: its run crashed/);
  assert.match(text, /×/);
});

test('frame: a tiny 80x24 terminal with everything on it still fits and keeps what matters', () => {
  const rows = [
    ...aKeep().slice(0, 5),
    ...Array.from({ length: 30 }, (_, i) =>
      row({
        id: 6 + i,
        kind: 'tweak',
        decision: 'revert',
        description: `tweak lr: a rather long description of change ${i}`,
        metric: 1.9 + i / 100,
        delta: i / 100,
        reason: 'reverted after 1 run: Δ +0.01, p=0.4 over n=1 run on a baseline seed',
        base_commit: 'c1',
      }),
    ),
    row({
      id: 40,
      kind: 'llm',
      status: 'running',
      decision: 'pending',
      description: 'replace the optimizer by Lion',
      hypothesis: 'Lion needs fewer steps',
      metric: null,
      ended_at: null,
      run_s: null,
      started_at: new Date(T0 + 10_000_000).toISOString(),
    }),
  ];
  const llm = { turns: 12, errors: 1, tokensIn: 1_234_567, tokensOut: 34_567, costUsd: 4.21, pendingTurns: 0 };
  const lines = frame(view(rows, { now: T0 + 10_060_000, llm, notice: 'bubblewrap is missing: runs are not isolated' }), 80, 24);
  fits(lines, 80, 24);
  const text = lines.join('\n');
  for (const must of [
    /● session 1 running/,
    /runs 35 · decided 31\/50 · kept 1/,
    /▶ #40 llm replace the optimizer/,
    /baseline measuring… \(n=0\) · best 1\.85/,
    /claude: 12 turns \(1 failed\) · 1\.23M tokens in, 34\.6k out · \$4\.21/,
    /#35 +tweak/,
    /q quit after this run/,
    /⚠ bubblewrap is missing/,
  ]) {
    assert.match(text, must);
  }
});

test('a resize re-lays out: the same view at 120x40 shows more rows than at 80x24, each within its width', () => {
  const v = view([...baselines(), ...Array.from({ length: 40 }, (_, i) => row({ id: 4 + i, kind: 'tweak', decision: 'revert', metric: 2, delta: 0.1 }))], {
    now: T0 + 20_000_000,
  });
  const small = frame(v, 80, 24);
  const large = frame(v, 120, 40);
  fits(small, 80, 24);
  fits(large, 120, 40);
  assert.ok(large.filter((l) => / tweak /.test(l)).length > small.filter((l) => / tweak /.test(l)).length);
  assert.ok(large.some((l) => /reason/.test(l)) && !small.some((l) => /reason/.test(l)), 'the reason column appears when there is room');
});

// --- keys -------------------------------------------------------------------------------------

class StaticSource implements DashboardSource {
  constructor(private readonly v: DashboardView) {}
  subscribe = () => () => {};
  view = () => this.v;
  detail = (id: number) => [`#${id} in full`, 'diff', '-  lr: 0.003,', '+  lr: 0.006,', ...Array.from({ length: 60 }, (_, i) => `log line ${i}`)];
}

const tick = () => new Promise((r) => setTimeout(r, 40));
const KEY = { up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', ctrlC: '\u0003' };

test('keys: arrows select, enter opens the diff and log tail, escape goes back; q, Q, p and Ctrl-C reach the loop', async () => {
  const calls: string[] = [];
  const controls: RunControls = { stop: (now) => calls.push(`stop ${now}`), interrupt: () => calls.push('interrupt'), togglePause: () => calls.push('pause') };
  const { stdin, lastFrame } = render(h(App, { source: new StaticSource(view(aKeep(), { now: T0 + 1800_000 })), controls }));
  const text = () => stripVTControlCharacters(lastFrame() ?? '');
  await tick();
  stdin.write(KEY.down);
  await tick();
  assert.match(text(), /› #6 /, 'the first arrow selects the newest run');
  // Faster than a re-render: the second arrow must still move on from the first's selection.
  stdin.write(KEY.down);
  stdin.write(KEY.down);
  stdin.write(KEY.up);
  await tick();
  assert.match(text(), /› #5 /);
  stdin.write(KEY.enter);
  await tick();
  assert.match(text(), /#5 in full\ndiff\n- {2}lr: 0\.003,\n\+ {2}lr: 0\.006,/);
  assert.match(text(), /lines 1–\d+ of 64/);
  stdin.write(KEY.down);
  await tick();
  assert.match(text(), /^diff/, 'scrolled by a line');
  stdin.write(KEY.escape);
  await tick();
  assert.match(text(), /› #5 /, 'back on the dashboard with the selection kept');
  for (const key of ['p', 'q', 'Q', KEY.ctrlC]) {
    stdin.write(key);
    await tick();
  }
  assert.deepEqual(calls, ['pause', 'stop false', 'stop true', 'interrupt']);
});

test('a resize of the terminal re-lays out the mounted dashboard', async () => {
  const rows = [...baselines(), ...Array.from({ length: 40 }, (_, i) => row({ id: 4 + i, kind: 'tweak', decision: 'revert', metric: 2, delta: 0.1 }))];
  const { stdout, lastFrame } = render(h(App, { source: new StaticSource(view(rows, { now: T0 + 20_000_000 })) }));
  const lines = () => stripVTControlCharacters(lastFrame() ?? '').split('\n');
  await tick();
  fits(lines(), 100, 24);
  const tall = lines().length;
  Object.defineProperty(stdout, 'columns', { get: () => 80 });
  Object.defineProperty(stdout, 'rows', { get: () => 14 });
  stdout.emit('resize');
  await tick();
  fits(lines(), 80, 14);
  assert.ok(lines().length < tall);
  assert.match(lines().join('\n'), /runs 43 · decided 40\/50/);
});
